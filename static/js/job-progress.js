// Polls a long job's progress and updates the bar and the status line (read out politely by screen
// readers); reloads the page once the job has finished, so the download link appears.
const box = document.getElementById("job");
if (box) {
  const bar = document.getElementById("job-progress");
  const note = document.getElementById("job-note");
  let last = "";
  const poll = async () => {
    try {
      const reply = await fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (reply.ok) {
        const job = await reply.json();
        if (job.status !== "queued" && job.status !== "running") {
          window.location.reload();
          return;
        }
        bar.value = job.progress;
        bar.textContent = `${job.progress}%`;
        const text = `${job.status_label}${job.note ? ": " + job.note : ""} (${job.progress}%)`;
        // Only change the live region when the words change, so a screen reader is not flooded.
        if (text !== last) {
          note.textContent = text;
          last = text;
        }
      }
    } catch (error) {
      // A dropped connection is not the job failing: try again on the next tick.
    }
    window.setTimeout(poll, 2000);
  };
  window.setTimeout(poll, 1500);
}
