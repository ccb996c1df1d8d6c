// The reunification board: every few seconds, read the board's JSON and update the counts and the
// lists in place. Without this file the page shows the same figures and is refreshed by hand.
(function () {
  "use strict";

  var POLL_MS = 5000;
  var panel = document.querySelector("[data-reunification-board]");
  if (!panel || !window.fetch) {
    return;
  }
  var url = panel.getAttribute("data-reunification-board");
  var status = panel.querySelector("[data-board-status]");

  function setCounts(data) {
    panel.querySelectorAll("[data-count]").forEach(function (cell) {
      var key = cell.getAttribute("data-count");
      if (typeof data[key] === "number") {
        cell.textContent = String(data[key]);
      }
    });
  }

  function fillList(list, items, render) {
    if (!list) {
      return;
    }
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = list.getAttribute("data-empty") || "";
      list.appendChild(empty);
      return;
    }
    items.forEach(function (item) {
      list.appendChild(render(item));
    });
  }

  function queueItem(item) {
    var li = document.createElement("li");
    li.setAttribute("data-request", String(item.id));
    li.appendChild(document.createTextNode(item.student.name + " · "));
    var badge = document.createElement("span");
    badge.className = "badge " + (item.status === "held" ? "high" : "routine");
    badge.textContent = item.status_label;
    li.appendChild(badge);
    if (item.runner) {
      li.appendChild(document.createTextNode(" · " + item.runner));
    }
    return li;
  }

  function releasedItem(item) {
    var li = document.createElement("li");
    li.setAttribute("data-student", String(item.id));
    li.textContent = item.name;
    return li;
  }

  function hideReleased(released) {
    var ids = {};
    released.forEach(function (s) {
      ids[String(s.id)] = true;
    });
    document.querySelectorAll("[data-list=remaining] [data-student]").forEach(function (li) {
      li.hidden = Boolean(ids[li.getAttribute("data-student")]);
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (data) {
        setCounts(data);
        if (data.names) {
          fillList(document.querySelector("[data-list=queue]"), data.queue, queueItem);
          fillList(
            document.querySelector("[data-list=released]"),
            data.released_students,
            releasedItem
          );
          hideReleased(data.released_students);
        }
        if (status) {
          status.textContent =
            (status.getAttribute("data-live-text") || "") +
            " " +
            new Date().toLocaleTimeString();
        }
      })
      .catch(function () {
        /* keep what is shown; the next poll tries again */
      })
      .then(function () {
        window.setTimeout(poll, POLL_MS);
      });
  }

  window.setTimeout(poll, POLL_MS);
})();
