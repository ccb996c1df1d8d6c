// Live notifications on staff pages: pushed over a WebSocket the moment they are sent, with a
// poll every 20 seconds as a fallback (a closed socket, a proxy without WebSockets, or a push sent
// from another process on the embedded in-memory channel layer). Pages work without it.
(function () {
  "use strict";

  var root = document.querySelector("[data-live-notifications]");
  if (!root) {
    return;
  }
  var pollUrl = root.getAttribute("data-live-notifications");
  var signIn = root.getAttribute("data-sign-in");
  var region = document.getElementById("live-toasts");
  var seen = Number(root.getAttribute("data-live-latest") || 0);
  var socket = null;
  var retry = 1000;

  function setCount(count) {
    var link = document.querySelector('.sidenav a[href$="/notifications/"]');
    if (!link) {
      return;
    }
    var badge = link.querySelector(".count");
    if (count <= 0) {
      if (badge) {
        badge.remove();
      }
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "count";
      link.appendChild(badge);
    }
    badge.textContent = String(count);
  }

  function toast(note) {
    if (!region || !note || note.id <= seen) {
      return;
    }
    seen = note.id;
    var item = document.createElement("p");
    item.className = "toast" + (note.urgent ? " tone-life" : "");
    item.setAttribute("role", note.urgent ? "alert" : "status");
    var link = document.createElement("a");
    link.href = note.url || pollUrl.replace("unread.json", "");
    link.textContent = note.title;
    item.appendChild(link);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", region.getAttribute("data-close-label") || "Close");
    close.textContent = "×";
    close.addEventListener("click", function () {
      item.remove();
    });
    item.appendChild(close);
    region.appendChild(item);
  }

  function poll() {
    fetch(pollUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Haven-Background": "1" },
    })
      .then(function (response) {
        if (response.status === 401 && signIn) {
          // Signed out after inactivity: leave the page, whatever it shows, for the sign-in page.
          var here = window.location.pathname + window.location.search;
          window.location.assign(signIn + "?expired=1&next=" + encodeURIComponent(here));
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) {
          setCount(data.unread);
          toast(data.latest);
        }
      })
      .catch(function () {});
  }

  function connect() {
    if (!("WebSocket" in window)) {
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/notifications/");
    socket.addEventListener("open", function () {
      retry = 1000;
    });
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "notification") {
        toast(data);
        poll(); // the count comes from the server, so two tabs agree
      }
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4401) {
        return; // signed out or second factor missing: the next page load will say so
      }
      window.setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  connect();
  window.setInterval(poll, 20000);
})();
