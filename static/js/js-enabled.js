// Loaded first thing in <body>, before anything is drawn: tells GOV.UK Frontend's styles that
// JavaScript is on (and that this browser can run its components), so nothing jumps about later.
// A file rather than an inline script, so the Content-Security-Policy can refuse every inline script.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
