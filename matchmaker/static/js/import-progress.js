// The import progress page: poll the job's JSON status, move the bar, and reload the
// page when the import is over (the page then shows the result or the error).
// Without JavaScript the page refreshes itself (<noscript> meta refresh) instead.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var step = document.getElementById("job-step");
  var phase = document.getElementById("job-phase");
  var bar = document.getElementById("job-bar");
  var failures = 0;

  function show(status) {
    step.textContent = status.step;
    phase.textContent = status.label;
    if (status.total > 0) {
      bar.max = status.total;
      bar.value = status.done;
    } else {
      bar.removeAttribute("value"); // indeterminate: work goes on, nothing to count
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json(); // a sign-in page instead of JSON fails here too
      })
      .then(function (status) {
        failures = 0;
        show(status);
        if (status.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures >= 3) {
          window.location.reload(); // let the server say what is wrong (e.g. signed out)
        } else {
          window.setTimeout(poll, 2000);
        }
      });
  }

  window.setTimeout(poll, 500);
})();
