// Job page: ask the job's JSON every second and show state, progress and message; when the job
// is done, go on to its result. No inline script (the Content-Security-Policy forbids it).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var finished = ["done", "failed", "cancelled"];
  if (finished.indexOf(box.getAttribute("data-state")) >= 0) { return; }

  function text(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== value) { el.textContent = value; }
    return el;
  }

  function show(s) {
    text("job-state", s.state_label);
    var bar = document.getElementById("job-progress");
    if (bar) { bar.value = s.percent; bar.textContent = s.percent + " %"; }
    text("job-percent", s.percent + " %");
    text("job-message", s.message);
    var err = text("job-error", s.error);
    if (err) { err.hidden = !s.error; }
    var cancelling = document.getElementById("job-cancelling");
    if (cancelling) { cancelling.hidden = !s.cancel_requested || s.finished; }
    if (s.finished) {
      var cancel = document.getElementById("job-cancel");
      if (cancel) { cancel.hidden = true; }
      var note = document.getElementById("job-note");
      if (note) { note.hidden = true; }
    }
    if (s.state === "done" && s.url && s.url.charAt(0) === "/" && s.url.charAt(1) !== "/") {
      var link = document.getElementById("job-result-link");
      if (link) { link.href = s.url; link.parentNode.hidden = false; }
      window.location.assign(s.url);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        show(s);
        if (!s.finished) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
