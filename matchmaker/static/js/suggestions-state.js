// A document just saved: its suggestions are being prepared by the task queue. Poll the
// owner's state (JSON: {"pending": n}) every second and reload the page once nothing is
// pending, or after a minute (the page then says the suggestions are late, if they are).
(function () {
  "use strict";
  var note = document.querySelector("[data-suggestions-poll]");
  if (!note || !window.fetch) {
    return;
  }
  var url = note.getAttribute("data-suggestions-poll");
  var tries = 0;

  function poll() {
    tries += 1;
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (state.pending === 0 || tries >= 60) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        if (tries < 60) {
          window.setTimeout(poll, 2000);
        }
      });
  }

  window.setTimeout(poll, 500);
})();
