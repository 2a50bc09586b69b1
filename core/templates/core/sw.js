{% load static %}/* The portal's service worker (issue 19: installable and offline-first), served at /sw.js so that
 * it controls every page. Pages come from the network first; each worker page that loads is kept,
 * and with no network the kept copy is shown with the "offline copy" banner of base.html. The
 * street-report queue (governance/report-queue.js) keeps working as before: this worker never
 * touches a POST. Logging out clears every kept page (static/core/offline.js).
 * Rendered from core/templates/core/sw.js: the shell's URLs are the hashed static ones. */
"use strict";
var VERSION = "{{ version }}";
var SHELL = "shell-" + VERSION, PAGES = "pages-v1";
var SHELL_URLS = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
// The pages a worker needs on the road: fetched into the cache after each online page load.
var WORKER_PAGES = [{% for url in pages %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
var OFFLINE_URL = "{{ offline_url|escapejs }}";
// Never kept: staff pages, the login, APIs and files of people (photos, documents).
var NEVER = [{% for prefix in never %}"{{ prefix|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_URLS.concat([OFFLINE_URL])); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("shell-") === 0 && key !== SHELL; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function keepable(url) {
  if (url.origin !== self.location.origin) return false;
  return !NEVER.some(function (prefix) { return url.pathname.indexOf(prefix) === 0; });
}

// A page as kept: the response, with the time it was kept (the banner says it).
function keep(request, response) {
  if (!response.ok || response.redirected || response.type !== "basic") return Promise.resolve();
  var url = new URL(request.url);
  return response.clone().text().then(function (html) {
    var headers = { "Content-Type": response.headers.get("Content-Type") || "text/html; charset=utf-8",
                    "X-Kept-At": new Date().toISOString() };
    return caches.open(PAGES).then(function (cache) {
      var copies = [cache.put(url.href, new Response(html, { headers: headers }))];
      // The last results of a search page (near me) stand for the page without its query too.
      if (url.search) copies.push(cache.put(url.origin + url.pathname, new Response(html, { headers: headers })));
      return Promise.all(copies);
    });
  });
}

// The kept copy, its banner shown: base.html carries it hidden, with a <time> for the moment kept.
function offlineCopy(response) {
  var keptAt = response.headers.get("X-Kept-At") || "";
  return response.text().then(function (html) {
    var when = keptAt ? new Date(keptAt) : null;
    var text = when ? when.toLocaleString() : "";
    html = html.replace('<div class="offline-banner" hidden', '<div class="offline-banner"')
      .replace('<time data-kept-at></time>', '<time data-kept-at datetime="' + keptAt + '">' + text + "</time>");
    return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

function fromCache(request) {
  var url = new URL(request.url);
  return caches.open(PAGES).then(function (cache) {
    return cache.match(url.href).then(function (hit) { return hit || cache.match(url.origin + url.pathname); });
  }).then(function (hit) {
    if (hit) return offlineCopy(hit);
    return caches.match(OFFLINE_URL);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (request.mode === "navigate") {
    if (!keepable(url)) return;
    event.respondWith(fetch(request).then(function (response) {
      event.waitUntil(keep(request, response.clone()));
      return response;
    }).catch(function () { return fromCache(request); }));
    return;
  }
  if (url.origin === self.location.origin && SHELL_URLS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "warm") {
    // Logged in and online: keep the worker's pages fresh for the road.
    event.waitUntil(Promise.all(WORKER_PAGES.map(function (path) {
      var request = new Request(path, { credentials: "same-origin" });
      return fetch(request).then(function (response) { return keep(request, response); }).catch(function () {});
    })).then(function () { if (event.source) event.source.postMessage({ type: "warmed" }); }));
  } else if (data.type === "forget") {
    event.waitUntil(caches.delete(PAGES));
  }
});
