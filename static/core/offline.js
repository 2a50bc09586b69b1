/* Installable and offline-first (issue 19): registers the service worker (/sw.js). A logged-in
 * worker's pages are kept for the road after each online page load; a logged-out visitor's
 * browser keeps none (a shared phone shows nobody's pages). */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  var body = document.body;
  var loggedIn = body.getAttribute("data-worker") === "1";
  navigator.serviceWorker.register(body.getAttribute("data-sw")).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    var worker = registration.active;
    if (!worker) return;
    if (!loggedIn) { worker.postMessage({ type: "forget" }); return; }
    if (navigator.onLine && !document.querySelector(".offline-banner:not([hidden])")) worker.postMessage({ type: "warm" });
  }).catch(function () {});
  navigator.serviceWorker.addEventListener("message", function (event) {
    if (event.data && event.data.type === "warmed") document.documentElement.setAttribute("data-offline-ready", "1");
  });
})();
