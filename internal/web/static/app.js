// tokenwatch's few enhancements. Every page works without them.
(function () {
  "use strict";

  // The login pop-up is rendered open, over an inert page. Made modal, it
  // keeps the keyboard focus inside and closes with Escape; closing it, by
  // any means, submits its form so the server remembers it for the session.
  var popup = document.getElementById("login-popup");
  if (popup && typeof popup.showModal === "function") {
    popup.close();
    popup.showModal();
    document.documentElement.classList.add("modal-open");
    var title = document.getElementById("popup-title");
    if (title) title.focus();
    popup.addEventListener("cancel", function (e) {
      e.preventDefault();
      document.getElementById("popup-close").click();
    });
  }

  // The post form re-renders when the location or a page changes, so the
  // server can say at once which chosen page must be reconnected first.
  var form = document.querySelector("form[data-recheck]");
  if (form) {
    form.classList.add("rechecks");
    form.addEventListener("change", function (e) {
      if (!e.target.hasAttribute("data-recheck-on")) return;
      var q = new URLSearchParams(new FormData(form));
      q.delete("csrf");
      q.delete("action");
      window.location.assign(form.getAttribute("data-recheck") + "?" + q.toString());
    });
  }
})();
