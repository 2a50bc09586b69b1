/* 随口说 and 随手帮 that never get lost, like a street report (static/governance/report-queue.js).
 *
 * On send, the form (its text fields, and the recording or the photo as a Blob) goes into the
 * grid's outbox in IndexedDB first, then out. Without a network it waits in the list on the page
 * and goes out when the connection returns, from whatever page the worker opens. The server finds
 * a retried one by its client_uuid (voice.actions._file_once), so it is filed once.
 * Without JavaScript or IndexedDB (no window.XiaogeOutbox) the form is a plain multipart POST.
 */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var outbox = window.XiaogeOutbox;
    if (!outbox) return;
    document.querySelectorAll("form[data-outbox-label]").forEach(function (form) {
      var uuidInput = form.querySelector("input[name=client_uuid]");
      var submit = form.querySelector("[type=submit]");
      var errors = form.querySelector(".js-errors");
      var panel = document.getElementById("report-queue");
      var current = null;
      // A page opened from the service worker's copy carries the uuid of that copy: never reuse it.
      uuidInput.value = outbox.uuid4();

      function showErrors(text) {
        errors.textContent = text;
        errors.hidden = !text;
        if (text) errors.scrollIntoView({ block: "center" });
      }

      form.addEventListener("submit", function (event) {
        event.preventDefault();
        showErrors("");
        var fields = [], files = [];
        new FormData(form).forEach(function (value, name) {
          if (typeof value === "string") fields.push([name, value]);
          else if (value && value.size) files.push({ field: name, blob: value, name: value.name || name });
        });
        var said = (form.querySelector("textarea") || { value: "" }).value.trim();
        var item = {
          uuid: uuidInput.value,
          url: form.action || window.location.href,
          fields: fields,
          photos: [],
          files: files,
          label: form.dataset.outboxLabel + (said ? " · " + said.slice(0, 12) : ""),
          createdAt: Date.now(),
        };
        current = item.uuid;
        submit.disabled = true;
        outbox.put(item).then(outbox.render).then(outbox.sendAll).then(function () {
          submit.disabled = false;
          return outbox.all();
        }).then(function (items) {
          if (!items.some(function (i) { return i.uuid === current; })) return;
          // Kept on the phone: clear the form for the next one; the place stays where the worker is.
          current = null;
          var lat = form.querySelector("input[name=lat]"), lng = form.querySelector("input[name=lng]");
          var kept = [lat.value, lng.value];
          form.reset();
          lat.value = kept[0]; lng.value = kept[1];
          uuidInput.value = outbox.uuid4();
          document.dispatchEvent(new CustomEvent("voice-form-queued"));
          if (panel) panel.scrollIntoView({ block: "start" });
        });
      });

      document.addEventListener("report-sent", function (event) {
        if (event.detail.uuid === current) window.location.href = event.detail.data.url;
      });
      document.addEventListener("report-refused", function (event) {
        if (event.detail.uuid !== current) return;
        // Refused as sent (a recording that is too long, an empty note): back to the form to correct.
        outbox.forget(current);
        current = null;
        submit.disabled = false;
        showErrors(outbox.errorText(event.detail.data));
      });
    });
  });
})();
