// Saves what is typed on a question page a moment after each change, so closing the tab or losing the
// connection loses almost nothing. The page works the same without JavaScript: each Continue saves.
const form = document.querySelector("form[data-autosave]");
if (form) {
  let timer = null;
  const save = () => {
    const body = new FormData(form);
    fetch(window.location.href, { method: "POST", body, headers: { "X-Autosave": "1" }, credentials: "same-origin" })
      .catch(() => {}); // offline: the next Continue saves instead
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(save, 1200);
  });
  window.addEventListener("pagehide", () => { if (timer) { clearTimeout(timer); save(); } });
}
