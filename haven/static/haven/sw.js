// Haven's service worker: shows emergency alerts that arrive by Web Push while no Haven page is
// open (a closed tab, a sleeping laptop, a phone). It caches nothing and handles no fetches.
/* eslint-env serviceworker */
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { title: event.data ? event.data.text() : "" };
  }
  var title = data.title || "Haven: emergency alert";
  var options = {
    body: data.body || "",
    tag: "haven-incident-" + (data.incident || "alert"),
    renotify: true,
    // An alert stays on screen until someone acts on it; an all clear may go by itself.
    requireInteraction: data.kind !== "all_clear",
    vibrate: [400, 150, 400, 150, 400],
    data: { url: data.url || "/" },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL(event.notification.data && event.notification.data.url ? event.notification.data.url : "/", self.location.origin);
  if (target.origin !== self.location.origin) {
    target = new URL("/", self.location.origin);
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i += 1) {
        if (windows[i].url === target.href && "focus" in windows[i]) {
          return windows[i].focus();
        }
      }
      return self.clients.openWindow(target.href);
    })
  );
});
