/* Street reports that never get lost.
 *
 * A report is first written to IndexedDB (text fields and the photos as Blobs),
 * then sent. If the network fails it waits, visibly, and is sent again on the
 * `online` event, on every page load of a logged-in worker (base.html) and every
 * 30 s while waiting; the waiting list itself is shown on the grid pages.
 * The server finds a retried report by its client_uuid, so it is never filed twice.
 * Without JavaScript (or IndexedDB) the form is a plain multipart POST.
 * 随口说 and 随手帮 (static/voice/queue.js) queue into the same outbox through window.XiaogeOutbox.
 */
(function () {
  "use strict";
  var DB_NAME = "xiaoge-grid", STORE = "outbox", MAX_PHOTOS = 3;
  if (!("indexedDB" in window) || !window.fetch || !window.FormData) return;
  document.documentElement.classList.add("js");

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "uuid" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), result;
        var request = work(tx.objectStore(STORE));
        if (request) request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  var queue = {
    put: function (item) { return withStore("readwrite", function (s) { return s.put(item); }); },
    remove: function (uuid) { return withStore("readwrite", function (s) { return s.delete(uuid); }); },
    all: function () { return withStore("readonly", function (s) { return s.getAll(); }); },
  };

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }

  /* --- The waiting list ------------------------------------------------------------ */
  var panel = document.getElementById("report-queue");
  var states = {}; // uuid -> {text, error}
  var sending = false;

  function render() {
    if (!panel) return Promise.resolve();
    return queue.all().then(function (items) {
      var list = panel.querySelector(".queue-list");
      list.textContent = "";
      items.forEach(function (item) {
        var state = states[item.uuid] || { text: panel.dataset.textWaiting, error: false };
        var li = document.createElement("li");
        li.className = "queue-item" + (state.error ? " queue-error" : "");
        li.dataset.uuid = item.uuid;
        var label = document.createElement("strong");
        label.textContent = item.label + " · " + new Date(item.createdAt).toLocaleTimeString();
        var status = document.createElement("span");
        status.className = "queue-state";
        status.textContent = state.text;
        var retry = document.createElement("button");
        retry.type = "button"; retry.className = "button"; retry.textContent = panel.dataset.textRetry;
        retry.addEventListener("click", sendAll);
        li.append(label, status, retry);
        if (state.error) {
          var discard = document.createElement("button");
          discard.type = "button"; discard.className = "link-button"; discard.textContent = panel.dataset.textRemove;
          discard.addEventListener("click", function () { queue.remove(item.uuid).then(render); });
          li.append(discard);
        }
        list.append(li);
      });
      panel.hidden = items.length === 0 && !panel.querySelector(".queue-sent li");
      title(items.length);
    });
  }

  // The heading says what the panel holds: "等待发送" only while something waits.
  function title(waiting) {
    var heading = panel.querySelector("h2");
    if (heading) heading.textContent = waiting ? panel.dataset.titleWaiting : panel.dataset.titleSent;
  }

  function send(item) {
    var body = new FormData();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    item.photos.forEach(function (photo) { body.append("photos", photo.blob, photo.name); });
    // Other forms' files (随口说's recording, 随手帮's photo: static/voice/queue.js), each in its field.
    (item.files || []).forEach(function (file) { body.append(file.field, file.blob, file.name); });
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // A login page after a redirect: the session ended. Keep the report.
        return { kind: "login" };
      }
      return response.json().then(function (data) {
        if (response.ok) return { kind: "sent", data: data };
        if (response.status >= 500) return { kind: "later" };
        return { kind: "refused", data: data, status: response.status };
      });
    }, function () { return { kind: "later" }; });
  }

  function errorText(data) {
    var parts = [];
    if (data && data.errors) {
      Object.keys(data.errors).forEach(function (field) {
        data.errors[field].forEach(function (e) { parts.push(e.message); });
      });
    }
    return parts.length ? parts.join(" ") : (data && data.message) || "";
  }

  function sendAll() {
    if (sending) return Promise.resolve();
    sending = true;
    return queue.all().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () {
          if (states[item.uuid] && states[item.uuid].error) return;
          states[item.uuid] = { text: panel ? panel.dataset.textSending : "", error: false };
          return render().then(function () { return send(item); }).then(function (result) {
            if (result.kind === "sent") {
              delete states[item.uuid];
              return queue.remove(item.uuid).then(function () {
                document.dispatchEvent(new CustomEvent("report-sent", { detail: { uuid: item.uuid, data: result.data } }));
              });
            }
            if (result.kind === "refused") {
              states[item.uuid] = { text: errorText(result.data), error: true };
              document.dispatchEvent(new CustomEvent("report-refused", { detail: { uuid: item.uuid, data: result.data } }));
            } else if (result.kind === "login") {
              states[item.uuid] = { text: panel ? panel.dataset.textLogin : "", error: false };
            } else {
              states[item.uuid] = { text: panel ? panel.dataset.textWaiting : "", error: false };
            }
          });
        });
      }, Promise.resolve());
    }).then(function () { sending = false; return render(); }, function () { sending = false; });
  }

  // A report sent from the waiting list (not the one on screen) gets a line with its link.
  document.addEventListener("report-sent", function (event) {
    if (!panel) return;
    var list = panel.querySelector(".queue-sent");
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = event.detail.data.url;
    // Other forms' answers name what was sent (voice: "随口说 #3 已发送"); a report's is "已发送 #3".
    link.textContent = event.detail.data.sent || panel.dataset.textSent + " #" + event.detail.data.id;
    li.append(link);
    list.append(li);
    panel.hidden = false;
    queue.all().then(function (items) { title(items.length); });
  });

  // The same outbox for the grid's other forms (static/voice/queue.js): one list, one sender.
  window.XiaogeOutbox = {
    put: queue.put,
    all: queue.all,
    sendAll: sendAll,
    render: render,
    uuid4: uuid4,
    errorText: errorText,
    forget: function (uuid) { delete states[uuid]; return queue.remove(uuid).then(render); },
  };

  window.addEventListener("online", sendAll);
  setInterval(function () { if (navigator.onLine !== false) sendAll(); }, 30000);
  document.addEventListener("DOMContentLoaded", function () { render().then(sendAll); });

  /* --- The report form ----------------------------------------------------------------- */
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (!form) return;
    var d = form.dataset;
    var fileInput = form.querySelector("input[type=file][name=photos]");
    var previews = form.querySelector(".photo-previews");
    var latInput = form.querySelector("input[name=lat]"), lngInput = form.querySelector("input[name=lng]");
    var uuidInput = form.querySelector("input[name=client_uuid]");
    var statusLine = form.querySelector(".location-status");
    var locateButton = form.querySelector(".locate-button");
    var nearbyBox = document.getElementById("nearby");
    var jsErrors = form.querySelector(".js-errors");
    var photos = [];
    var currentUuid = null;

    // A category's own questions: only the chosen category's are shown (without JavaScript, all are).
    function showQuestions() {
      var chosen = form.querySelector("input[name=category]:checked");
      form.querySelectorAll(".category-questions").forEach(function (box) {
        box.hidden = !chosen || box.dataset.category !== chosen.value;
      });
    }
    form.querySelectorAll("input[name=category]").forEach(function (input) {
      input.addEventListener("change", showQuestions);
    });
    showQuestions();

    function showPhotos() {
      previews.textContent = "";
      photos.forEach(function (photo, index) {
        var box = document.createElement("div");
        box.className = "photo-preview";
        var img = document.createElement("img");
        img.src = URL.createObjectURL(photo.blob);
        img.alt = "";
        var remove = document.createElement("button");
        remove.type = "button"; remove.textContent = "×";
        remove.setAttribute("aria-label", d.textRemovePhoto);
        remove.addEventListener("click", function () { photos.splice(index, 1); showPhotos(); });
        box.append(img, remove);
        previews.append(box);
      });
    }
    fileInput.addEventListener("change", function () {
      Array.prototype.forEach.call(fileInput.files, function (file) {
        if (photos.length < MAX_PHOTOS) photos.push({ blob: file, name: file.name || "photo.jpg" });
      });
      fileInput.value = ""; // the next camera shot adds to the list
      showPhotos();
    });

    function locate() {
      if (!navigator.geolocation) { statusLine.textContent = d.textNoLocation; return; }
      statusLine.textContent = d.textLocating;
      navigator.geolocation.getCurrentPosition(function (position) {
        latInput.value = position.coords.latitude.toFixed(6);
        lngInput.value = position.coords.longitude.toFixed(6);
        statusLine.textContent = d.textLocated.replace("%(metres)s", Math.round(position.coords.accuracy || 0));
        document.dispatchEvent(new CustomEvent("report-located", {
          detail: { lat: position.coords.latitude, lng: position.coords.longitude },
        }));
        checkNearby();
      }, function () {
        statusLine.textContent = d.textNoLocation;
        locateButton.hidden = false;
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    }
    locateButton.addEventListener("click", locate);
    locate();

    function chosenCategory() {
      var checked = form.querySelector("input[name=category]:checked");
      return checked ? checked : null;
    }
    function checkNearby() {
      var category = chosenCategory();
      if (!category || !latInput.value || !navigator.onLine) { nearbyBox.hidden = true; return; }
      var url = d.nearbyUrl + "?category=" + encodeURIComponent(category.value) +
        "&lat=" + encodeURIComponent(latInput.value) + "&lng=" + encodeURIComponent(lngInput.value);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { reports: [] }; })
        .then(function (data) {
          var list = nearbyBox.querySelector(".nearby-list");
          list.textContent = "";
          data.reports.forEach(function (report) {
            var li = document.createElement("li");
            var text = document.createElement("span");
            text.textContent = "#" + report.id + " · " + report.status + " · " +
              d.textMetres.replace("%(metres)s", report.distance_m) +
              (report.mine ? " · " + d.textMine : "") + (report.address ? " · " + report.address : "") +
              (report.description ? " · " + report.description : "");
            li.append(text);
            if (!report.mine) {
              var button = document.createElement("button");
              button.type = "button"; button.className = "button"; button.textContent = d.textFollow;
              button.addEventListener("click", function () {
                fetch(report.follow_url, {
                  method: "POST", credentials: "same-origin",
                  headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
                }).then(function (r) { return r.json(); }).then(function (result) {
                  nearbyBox.querySelector("p").textContent = result.message || "";
                  list.textContent = "";
                });
              });
              li.append(button);
            }
            list.append(li);
          });
          nearbyBox.hidden = data.reports.length === 0;
          // Bring the suggestion into view above the sticky submit button and the tab bar
          // (.nearby's scroll-margin), so nobody files a duplicate without seeing it.
          if (!nearbyBox.hidden) nearbyBox.scrollIntoView({ block: "nearest" });
        }, function () { nearbyBox.hidden = true; });
    }
    form.addEventListener("change", function (event) { if (event.target.name === "category") checkNearby(); });
    document.addEventListener("report-pinned", checkNearby);

    function problems() {
      var found = [];
      if (!chosenCategory()) found.push(d.textNeedCategory);
      if (photos.length === 0) found.push(d.textNeedPhoto);
      if (photos.length > MAX_PHOTOS) found.push(d.textTooMany);
      if (!latInput.value && !form.querySelector("[name=street]").value) found.push(d.textNeedPlace);
      return found;
    }
    function showErrors(messages) {
      jsErrors.textContent = "";
      messages.forEach(function (text) { var p = document.createElement("p"); p.textContent = text; jsErrors.append(p); });
      jsErrors.hidden = messages.length === 0;
      if (messages.length) jsErrors.scrollIntoView({ block: "center" });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var found = problems();
      showErrors(found);
      if (found.length) return;
      if (!uuidInput.value) uuidInput.value = uuid4();
      var fields = [];
      new FormData(form).forEach(function (value, name) {
        if (name !== "photos" && typeof value === "string") fields.push([name, value]);
      });
      var category = chosenCategory();
      var item = {
        uuid: uuidInput.value,
        url: form.action || window.location.href,
        fields: fields,
        photos: photos.slice(),
        label: category ? category.parentNode.textContent.trim() : "",
        createdAt: Date.now(),
      };
      currentUuid = item.uuid;
      form.querySelector("[type=submit]").disabled = true;
      queue.put(item).then(render).then(sendAll).then(function () {
        form.querySelector("[type=submit]").disabled = false;
        return queue.all();
      }).then(function (items) {
        var stillWaiting = items.some(function (i) { return i.uuid === currentUuid; });
        if (stillWaiting && !(states[currentUuid] && states[currentUuid].error)) {
          currentUuid = null;
          // Kept on the phone: clear the form for the next report.
          // The worker is still where they were: keep the location for the next report.
          var lat = latInput.value, lng = lngInput.value;
          form.reset();
          latInput.value = lat; lngInput.value = lng;
          photos = [];
          showPhotos();
          uuidInput.value = uuid4();
          nearbyBox.hidden = true;
          if (panel) panel.scrollIntoView({ block: "start" });
        }
      });
    });

    document.addEventListener("report-sent", function (event) {
      if (event.detail.uuid === currentUuid) window.location.href = event.detail.data.url;
    });
    document.addEventListener("report-refused", function (event) {
      if (event.detail.uuid !== currentUuid) return;
      // The server refused the report just sent (e.g. a damaged photo): keep it in the form to correct.
      queue.remove(currentUuid).then(render);
      delete states[currentUuid];
      showErrors([errorText(event.detail.data)]);
    });
  });
})();
