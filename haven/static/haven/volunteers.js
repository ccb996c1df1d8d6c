// The volunteer's private sign-up link carries the code after "#": the browser never sends that
// part to the server (so it reaches no log). Put it in the form, then drop it from the address
// bar and the history. Without JavaScript the volunteer types the code instead.
(function () {
  "use strict";
  function fill() {
    var input = document.querySelector("[data-signup-code]");
    var code = window.location.hash.replace(/^#/, "");
    if (!input || !code) {
      return;
    }
    input.value = decodeURIComponent(code);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    var form = input.form;
    if (form && form.hasAttribute("data-auto-open")) {
      form.submit();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fill);
  } else {
    fill();
  }
})();
