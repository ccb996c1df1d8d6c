// The tip line's small comforts. Every page works without this file.
(function () {
  "use strict";

  // "Is someone in danger right now?" Yes: make the crisis box stand out and say so out loud.
  document.querySelectorAll("fieldset.danger").forEach(function (group) {
    var box = group.querySelector("[data-crisis]");
    var live = group.querySelector("[data-danger-live]");
    group.addEventListener("change", function (event) {
      if (event.target.name !== "danger_now") {
        return;
      }
      var yes = event.target.value === "yes" && event.target.checked;
      if (box) {
        box.classList.toggle("crisis-now", yes);
      }
      if (live) {
        live.textContent = yes ? live.getAttribute("data-message") : "";
      }
    });
  });

  // Saved replies: choosing one fills the message box (which can then be edited).
  document.querySelectorAll("select[data-saved-reply]").forEach(function (select) {
    var form = select.form;
    var box = form && form.querySelector("textarea[name=body]");
    if (!box) {
      return;
    }
    var filled = "";
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var text = option ? option.getAttribute("data-body") || "" : "";
      if (box.value.trim() === "" || box.value === filled) {
        box.value = text;
        filled = text;
      }
      box.focus();
    });
  });
})();
