// Emergency alerts on every staff page, the raise page's cancel window, and Web Push sign-up.
//
// The page listens to its school's alert stream (server-sent events; EventSource reconnects by
// itself and sends Last-Event-ID, so alerts missed while offline arrive on reconnect). The last
// alert number is kept per school in localStorage, so the next page picks up where this one left.
// An alert takes over the whole screen (a modal dialog: red, or marked DRILL), sounds an alarm
// made with the Web Audio API, and stays until the person acknowledges it.
//
// Sound: browsers refuse to start audio before the person has interacted with the page (autoplay
// policy). Any click or key press on a Haven page unlocks it; if an alert arrives before that,
// the dialog shows a "sound blocked: click to enable" button.
(function () {
  "use strict";

  var configElement = document.getElementById("emergency-config");
  var cfg = configElement ? JSON.parse(configElement.textContent) : null;
  var strings = (cfg && cfg.strings) || {};

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  // --- the alarm ---------------------------------------------------------------------------------

  var audio = null;
  var alarm = null;

  function audioContext() {
    if (!audio) {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) {
        return null;
      }
      audio = new Context();
    }
    return audio;
  }

  function unlockAudio() {
    var context = audioContext();
    if (context && context.state === "suspended") {
      context.resume().then(updateSoundHint, function () {});
    }
  }

  document.addEventListener("pointerdown", unlockAudio, true);
  document.addEventListener("keydown", unlockAudio, true);

  function startAlarm(drill) {
    var context = audioContext();
    stopAlarm();
    if (!context) {
      return;
    }
    var gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(context.destination);
    var oscillator = context.createOscillator();
    oscillator.type = "square";
    oscillator.frequency.value = 880;
    oscillator.connect(gain);
    oscillator.start();
    var volume = drill ? 0.08 : 0.2;
    var high = true;
    // A two-tone siren: 880 Hz and 660 Hz, half a second each, until acknowledged.
    var timer = window.setInterval(function () {
      high = !high;
      oscillator.frequency.setValueAtTime(high ? 880 : 660, context.currentTime);
      gain.gain.setValueAtTime(volume, context.currentTime);
    }, 500);
    gain.gain.setValueAtTime(volume, context.currentTime);
    alarm = { oscillator: oscillator, gain: gain, timer: timer };
    if (context.state !== "running") {
      context.resume().then(updateSoundHint, updateSoundHint);
      window.setTimeout(updateSoundHint, 300);
    }
    updateSoundHint();
  }

  function stopAlarm() {
    if (!alarm) {
      return;
    }
    window.clearInterval(alarm.timer);
    try {
      alarm.oscillator.stop();
    } catch (error) {
      // already stopped
    }
    alarm.gain.disconnect();
    alarm = null;
    updateSoundHint();
  }

  // --- the full-screen alert ---------------------------------------------------------------------

  var dialog = document.getElementById("emergency-alert");
  var shown = null;

  function field(name) {
    return dialog.querySelector('[data-field="' + name + '"]');
  }

  function setText(name, text) {
    var element = field(name);
    element.textContent = text || "";
    element.hidden = !text;
  }

  function updateSoundHint() {
    if (!dialog) {
      return;
    }
    var blocked = Boolean(alarm) && (!audio || audio.state !== "running");
    field("sound").hidden = !blocked;
    dialog.setAttribute("data-sound", alarm ? (blocked ? "blocked" : "playing") : "off");
  }

  function describeWhere(data) {
    var where = data.district_wide ? strings.districtWide : data.school_name;
    var at = data.sent_at ? new Date(data.sent_at) : null;
    var time = at && !isNaN(at) ? at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
    return [where, time].filter(Boolean).join(" · ");
  }

  function show(data, mode) {
    var protocol = (cfg.protocols && cfg.protocols[data.protocol]) || {};
    shown = { data: data, mode: mode };
    dialog.classList.toggle("is-drill", Boolean(data.drill));
    dialog.classList.toggle("is-clear", mode === "clear");
    dialog.classList.toggle("is-ended", mode === "ended");
    dialog.setAttribute("data-mode", mode);
    dialog.setAttribute("data-incident", data.incident);
    field("drill").hidden = !data.drill;
    var kind = mode === "clear" ? strings.allClear : data.kind === "raised" ? strings.alert : strings.update;
    setText("kind", kind);
    setText("word", mode === "clear" ? strings.allClear.toUpperCase() : protocol.word || data.word);
    setText("directive", mode === "clear" ? "" : protocol.directive || data.directive);
    setText("where", describeWhere(data));
    setText("message", data.message);
    var extra = [];
    if (data.evacuate_location) {
      extra.push(strings.evacuateTo + ": " + data.evacuate_location);
    }
    if (data.shelter_hazard) {
      extra.push(strings.hazard + ": " + data.shelter_hazard);
    }
    if (data.shelter_strategy) {
      extra.push(strings.strategy + ": " + data.shelter_strategy);
    }
    setText("note", [data.note].concat(extra).filter(Boolean).join(" — "));
    var list = field("instructions");
    list.textContent = "";
    if (mode === "alert") {
      (protocol.instructions || data.instructions || []).forEach(function (step) {
        var item = document.createElement("li");
        item.textContent = step;
        list.appendChild(item);
      });
    }
    setText("missed", mode === "ended" ? strings.missed + ": " + strings.ended : "");
    setText("error", "");
    field("link").href = data.url || cfg.incidentUrl.replace("/0/", "/" + data.incident + "/");
    dialog.querySelector('[data-action="ack"]').hidden = mode !== "alert";
    dialog.querySelector('[data-action="dismiss"]').hidden = mode === "alert";
    if (!dialog.open) {
      dialog.showModal();
    }
    if (mode === "alert") {
      startAlarm(data.drill);
    } else {
      stopAlarm();
    }
    dialog.querySelector(mode === "alert" ? '[data-action="ack"]' : '[data-action="dismiss"]').focus();
  }

  function close() {
    stopAlarm();
    shown = null;
    dialog.setAttribute("data-mode", "closed");
    if (dialog.open) {
      dialog.close();
    }
    settle();
  }

  function present(data) {
    var mode = "alert";
    if (data.kind === "all_clear") {
      mode = "clear";
    } else if (data.replayed && data.status && data.status !== "active") {
      mode = "ended"; // missed while offline, and already over
    }
    if (mode === "alert" && data.replayed && data.acknowledged && data.kind === "raised") {
      return; // already acknowledged: the top bar still shows the incident
    }
    if (shown && shown.mode === "alert" && mode !== "alert" && shown.data.incident !== data.incident) {
      return; // another incident's alert still waits for its acknowledgement
    }
    show(data, mode);
  }

  function acknowledge(event) {
    event.preventDefault();
    if (!shown) {
      return;
    }
    var incident = shown.data.incident;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    fetch(cfg.ackUrl.replace("/0/", "/" + incident + "/"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        close();
      })
      .catch(function () {
        setText("error", strings.ackFailed);
      });
  }

  // --- the alert stream --------------------------------------------------------------------------

  var storageKey = cfg ? "haven.alerts." + cfg.school : "";
  var retry = 1000;

  function stored() {
    try {
      var value = window.localStorage.getItem(storageKey);
      return value && /^\d+$/.test(value) ? value : null;
    } catch (error) {
      return null;
    }
  }

  // The highest alert number this page has seen. It is saved (for the next page, in every tab) only
  // when nothing waits for the person: an alert on screen that has not been acknowledged is shown
  // again by the next page if this one is closed first.
  var latest = null;

  function seen(id) {
    if (/^\d+$/.test(id || "") && (latest === null || Number(id) > Number(latest))) {
      latest = id;
    }
  }

  function settle() {
    if (shown || latest === null) {
      return;
    }
    try {
      window.localStorage.setItem(storageKey, latest);
    } catch (error) {
      // private mode: the stream still catches up within this page
    }
  }

  function streamState(state) {
    document.body.setAttribute("data-alert-stream", state);
  }

  function connect() {
    var last = stored();
    var url = cfg.stream + "?school=" + encodeURIComponent(cfg.school);
    if (last !== null) {
      url += "&last_event_id=" + last;
    }
    var source = new EventSource(url, { withCredentials: true });
    streamState("connecting");
    source.addEventListener("open", function () {
      retry = 1000;
    });
    source.addEventListener("position", function (event) {
      seen(event.lastEventId);
      settle();
      streamState("open");
    });
    source.addEventListener("alert", function (event) {
      seen(event.lastEventId);
      try {
        present(JSON.parse(event.data));
      } catch (error) {
        window.console.error("emergency alert could not be shown", error);
      }
      settle();
    });
    source.addEventListener("error", function () {
      if (source.readyState === EventSource.CLOSED) {
        // Refused (signed out, or the server is restarting): try again, more slowly each time.
        streamState("closed");
        window.setTimeout(connect, retry);
        retry = Math.min(retry * 2, 60000);
      } else {
        streamState("connecting");
      }
    });
  }

  if (cfg && dialog && "EventSource" in window) {
    dialog.querySelector('[data-field="ack-form"]').addEventListener("submit", acknowledge);
    dialog.querySelector('[data-action="dismiss"]').addEventListener("click", close);
    dialog.querySelector('[data-action="sound"]').addEventListener("click", function () {
      unlockAudio();
    });
    dialog.addEventListener("cancel", function (event) {
      if (shown && shown.mode === "alert") {
        event.preventDefault(); // Escape does not dismiss an alert: acknowledge it
      }
    });
    connect();
  }

  // --- the raise page: a countdown with Cancel -----------------------------------------------------

  var raiseForm = document.querySelector("[data-raise-form]");
  if (raiseForm) {
    var panel = raiseForm.querySelector("[data-countdown]");
    var text = raiseForm.querySelector("[data-countdown-text]");
    var submit = raiseForm.querySelector("button[type=submit]");
    var timer = null;
    var remaining = 0;

    var sendNow = function () {
      window.clearInterval(timer);
      var confirm = document.createElement("input");
      confirm.type = "hidden";
      confirm.name = "confirm";
      confirm.value = "1";
      raiseForm.appendChild(confirm);
      raiseForm.setAttribute("data-confirmed", "1");
      raiseForm.submit();
    };

    var tick = function (word) {
      text.textContent = word + " — " + fill(strings.countdown || "%(seconds)s", { seconds: remaining });
      raiseForm.setAttribute("data-remaining", String(remaining));
      if (remaining <= 0) {
        sendNow();
      }
      remaining -= 1;
    };

    raiseForm.addEventListener("submit", function (event) {
      var chosen = raiseForm.querySelector("input[name=protocol]:checked");
      if (raiseForm.hasAttribute("data-confirmed") || !chosen) {
        return; // nothing chosen: the server says what is missing
      }
      event.preventDefault();
      unlockAudio();
      var protocol = (cfg && cfg.protocols && cfg.protocols[chosen.value]) || {};
      var word = protocol.word || chosen.value.toUpperCase();
      if (raiseForm.querySelector("input[name=drill]:checked")) {
        word = strings.drill + ": " + word;
      }
      remaining = Number(raiseForm.getAttribute("data-cancel-seconds") || 5);
      panel.hidden = false;
      submit.disabled = true;
      panel.querySelector("[data-countdown-cancel]").focus();
      tick(word);
      timer = window.setInterval(function () {
        tick(word);
      }, 1000);
    });

    panel.querySelector("[data-countdown-cancel]").addEventListener("click", function () {
      window.clearInterval(timer);
      panel.hidden = true;
      submit.disabled = false;
      raiseForm.removeAttribute("data-remaining");
      submit.focus();
    });
    panel.querySelector("[data-countdown-now]").addEventListener("click", sendNow);
  }

  // --- Web Push: alerts when no Haven page is open ---------------------------------------------

  var pushReady = cfg && cfg.pushKey && "serviceWorker" in navigator && "PushManager" in window;

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function register(subscription) {
    return fetch(cfg.subscribeUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(subscription.toJSON()),
    });
  }

  function subscribe() {
    var pushManager;
    function fresh() {
      return pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(cfg.pushKey),
      });
    }
    return navigator.serviceWorker
      .register(cfg.serviceWorker, { scope: "/" })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
      .then(function (registration) {
        pushManager = registration.pushManager;
        return pushManager.getSubscription().then(function (existing) {
          return existing || fresh();
        });
      })
      .then(function (subscription) {
        return register(subscription).then(function (response) {
          if (response.status !== 409) {
            return response;
          }
          // This browser's subscription is another account's (a shared computer): Haven never
          // moves it, so ask the browser for a new one, for this account.
          return subscription
            .unsubscribe()
            .then(fresh)
            .then(register);
        });
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
      });
  }

  var pushButton = document.querySelector("[data-push-enable]");
  var pushStatus = document.querySelector("[data-push-status]");
  function say(message) {
    if (pushStatus) {
      pushStatus.textContent = message;
    }
  }
  if (pushReady && pushButton) {
    pushButton.hidden = false;
    pushButton.addEventListener("click", function () {
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          say(strings.pushDenied);
          return;
        }
        subscribe().then(
          function () {
            say(strings.pushOn);
          },
          function () {
            say(strings.pushFailed);
          }
        );
      });
    });
  }
  // Keep the server's copy current (a subscription can change, or be another account's).
  if (pushReady && window.Notification && Notification.permission === "granted") {
    try {
      var last = Number(window.sessionStorage.getItem("haven.push.synced") || 0);
      if (Date.now() - last > 3600 * 1000) {
        window.sessionStorage.setItem("haven.push.synced", String(Date.now()));
        subscribe().catch(function () {});
      }
    } catch (error) {
      // storage unavailable: skip the refresh
    }
  }
})();
