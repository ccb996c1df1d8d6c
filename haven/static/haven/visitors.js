// The front desk and the kiosk: a barcode scanner's burst reads the ID by itself, and the webcam
// takes the visitor's photo where the browser allows it. Every page works without this file.
(function () {
  "use strict";

  var QUIET_MS = 350; // a scanner types a whole card in well under a second; then it stops
  var MIN_LENGTH = 30; // a licence's barcode holds hundreds of characters

  // Keyboard wedge: a USB scanner "types" the barcode into the box. A card's data starts with
  // "@" (the AAMVA compliance indicator); when the burst ends, read it ("Read the ID").
  document.querySelectorAll("textarea[data-wedge]").forEach(function (box) {
    var form = box.form;
    var button = form && form.querySelector("[data-read-button]");
    var status = form && form.querySelector("[data-wedge-status]");
    var timer = null;
    var sent = false;
    if (!form || !button) {
      return;
    }
    if (!form.querySelector("[aria-invalid=true]") && !box.value) {
      box.focus();
    }
    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      var text = box.value.replace(/^\s+/, "");
      if (sent || text.charAt(0) !== "@" || text.length < MIN_LENGTH) {
        return;
      }
      if (status) {
        status.textContent = status.getAttribute("data-reading") || "…";
      }
      timer = window.setTimeout(function () {
        sent = true;
        if (form.requestSubmit) {
          form.requestSubmit(button);
        } else {
          button.click();
        }
      }, QUIET_MS);
    });
  });

  // The webcam: offered only where the browser can (a secure page with a camera). The photo
  // goes into the form's file field, so the form sends it as if a picture had been chosen.
  document.querySelectorAll("[data-camera]").forEach(function (area) {
    var form = area.closest("form");
    var input = form && form.querySelector("input[type=file][name=photo]");
    var media = navigator.mediaDevices;
    if (!input || !media || !media.getUserMedia || !window.isSecureContext || !window.DataTransfer) {
      return;
    }
    var video = area.querySelector("[data-camera-view]");
    var shot = area.querySelector("[data-camera-shot]");
    var start = area.querySelector("[data-camera-start]");
    var take = area.querySelector("[data-camera-take]");
    var stream = null;
    area.hidden = false;
    video.hidden = true;

    function stop() {
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
      video.hidden = true;
      take.hidden = true;
    }

    start.addEventListener("click", function () {
      media.getUserMedia({ video: { facingMode: "user" }, audio: false }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        shot.hidden = true;
        take.hidden = false;
        return video.play();
      }).catch(function () {
        start.disabled = true; // no camera, or not allowed: the file field remains
      });
    });

    take.addEventListener("click", function () {
      if (!stream || !video.videoWidth) {
        return;
      }
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob(function (blob) {
        if (!blob) {
          return;
        }
        var list = new DataTransfer();
        list.items.add(new File([blob], "photo.jpg", { type: "image/jpeg" }));
        input.files = list.files;
        shot.src = URL.createObjectURL(blob);
        shot.hidden = false;
        stop();
      }, "image/jpeg", 0.85);
    });
    window.addEventListener("pagehide", stop);
  });

  // The kiosk's last page goes back to the start by itself, ready for the next visitor.
  var done = document.querySelector("[data-kiosk-return]");
  if (done) {
    var seconds = parseInt(done.getAttribute("data-return-seconds"), 10) || 60;
    window.setTimeout(function () {
      window.location.assign(done.getAttribute("data-kiosk-return"));
    }, seconds * 1000);
  }
})();
