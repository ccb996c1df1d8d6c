// Small comforts on top of pages that work without JavaScript.
(function () {
  "use strict";

  // Close an open menu (<details class="account">) on Escape or a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details.account[open]").forEach(function (menu) {
      if (menu !== except) {
        menu.removeAttribute("open");
      }
    });
  }

  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.account"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var open = document.querySelector("details.account[open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });
})();
