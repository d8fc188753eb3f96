// A wide table scrolls sideways inside its own box on a narrow screen. When it does not fit, a short
// line above it says so (and the box is described by it, for screen readers); when it fits, the line
// is hidden again. Without JavaScript the table still scrolls; only the line is missing.
const boxes = document.querySelectorAll(".portal-table-scroll");
let made = 0;
for (const box of boxes) {
  made += 1;
  const hint = document.createElement("p");
  hint.className = "govuk-body-s portal-table-scroll__hint";
  hint.id = box.id ? `${box.id}-hint` : `table-scroll-hint-${made}`;
  hint.textContent = "This table is wider than your screen: swipe or scroll sideways to see all of it.";
  hint.hidden = true;
  box.before(hint);
  const update = () => {
    const overflows = box.scrollWidth > box.clientWidth + 1;
    if (hint.hidden === !overflows) return;
    hint.hidden = !overflows;
    if (overflows) box.setAttribute("aria-describedby", hint.id);
    else box.removeAttribute("aria-describedby");
  };
  update();
  if ("ResizeObserver" in window) new ResizeObserver(update).observe(box);
  else window.addEventListener("resize", update);
}
