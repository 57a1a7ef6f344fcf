// Pages of a running application follow it: reload every two seconds while the
// tab is visible (the server renders each page from the live status store).
(function () {
  "use strict";
  if (document.body.dataset.live !== "1") {
    return;
  }
  window.setInterval(function () {
    if (document.visibilityState === "visible") {
      window.location.reload();
    }
  }, 2000);
})();
