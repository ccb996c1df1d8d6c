/* The live accountability dashboard: polls the page's JSON every few seconds and updates the
   figures and lists in place (text only, never HTML). Without JavaScript the page refreshes
   itself (a <noscript> meta refresh). */
(function () {
  "use strict";
  var root = document.querySelector("[data-accountability]");
  if (!root) return;
  var url = root.getAttribute("data-url");
  var every = 5000;
  var words = {};
  var tpl = document.getElementById("acct-words");
  if (tpl && tpl.content) {
    tpl.content.querySelectorAll("[data-word]").forEach(function (el) {
      words[el.getAttribute("data-word")] = el.textContent;
    });
  }

  function pick(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value == null ? value : value[key];
    }, data);
  }

  var lines = {
    need_help: function (h) { return h.reporter + " · " + h.section_title; },
    sections: function (s) {
      return s.title + (s.teachers.length ? " · " + s.teachers.join(", ") : "");
    },
    missing: function (p) { return p.name + (p.section ? " · " + p.section : ""); },
    injured: function (p) {
      return p.name + (p.section ? " · " + p.section : "") + (p.note ? " — " + p.note : "");
    },
    unaccounted: function (p) {
      return p.name + (p.grade ? " · " + (words.grade || "grade") + " " + p.grade : "");
    },
    visitors: function (v) { return v.name + " · " + (words[v.status] || v.status); }
  };
  var sources = {
    need_help: function (d) { return d.need_help; },
    sections: function (d) { return d.sections.not_reported; },
    missing: function (d) { return d.missing; },
    injured: function (d) { return d.injured; },
    unaccounted: function (d) { return d.unaccounted; },
    visitors: function (d) { return d.visitors.people; }
  };

  function fillList(list, items, line) {
    var fresh = document.createDocumentFragment();
    if (!items.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = list.getAttribute("data-empty") || "";
      fresh.appendChild(empty);
    }
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = line(item);
      fresh.appendChild(li);
    });
    list.replaceChildren(fresh);
  }

  var lang = document.documentElement.lang || undefined;
  var percent = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function render(data) {
    root.querySelectorAll("[data-acct]").forEach(function (el) {
      var key = el.getAttribute("data-acct");
      if (key === "percent") {
        el.textContent = percent.format(data.percent);
      } else if (key === "progress") {
        el.value = data.percent;
        el.textContent = data.percent + "%";
      } else if (key === "complete") {
        el.hidden = !data.complete;
      } else {
        var value = pick(data, key);
        if (value != null) el.textContent = String(value);
      }
    });
    var updated = document.querySelector('[data-acct="updated"]');
    if (updated) updated.textContent = (words.updated || "updated") + " " + data.updated;
    root.querySelectorAll("[data-list]").forEach(function (list) {
      var name = list.getAttribute("data-list");
      if (lines[name] && sources[name]) fillList(list, sources[name](data) || [], lines[name]);
    });
  }

  function poll() {
    if (document.hidden) return;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        root.removeAttribute("data-stale");
        render(data);
      })
      .catch(function () {
        root.setAttribute("data-stale", "true");
        var updated = document.querySelector('[data-acct="updated"]');
        if (updated && words.offline) updated.textContent = words.offline;
      });
  }

  root.setAttribute("data-live", "on");
  window.setInterval(poll, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) poll();
  });
})();
