// 随口说: hold the button and speak (up to 60 s); the recording goes into the form's file field, so
// the form sends it like any upload and the server checks it (voice.audio). Without a microphone
// or MediaRecorder the button stays hidden and the member types instead.
(function () {
  "use strict";
  var form = document.getElementById("opinion-form");
  if (!form || !window.MediaRecorder || !navigator.mediaDevices) return;
  var button = form.querySelector(".record-button");
  var status = form.querySelector(".record-status");
  var input = form.querySelector("input[type=file][name=audio]");
  var player = form.querySelector(".record-preview");
  var LIMIT_MS = 60000;
  var recorder = null, chunks = [], timer = null, started = 0;
  button.hidden = false;

  function say(text) { status.textContent = text; }

  function start(event) {
    event.preventDefault();
    if (recorder) return;
    navigator.mediaDevices.getUserMedia({ audio: true, video: false }).then(function (stream) {
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
      recorder.onstop = function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        var type = recorder.mimeType || "audio/webm";
        var name = type.indexOf("mp4") >= 0 ? "recording.m4a" : "recording.webm";
        var file = new File(chunks, name, { type: type });
        var transfer = new DataTransfer();
        transfer.items.add(file);
        input.files = transfer.files;
        player.src = URL.createObjectURL(file);
        player.hidden = false;
        say(form.dataset.textRecorded.replace("%(seconds)s", Math.round((Date.now() - started) / 1000)));
        recorder = null;
      };
      started = Date.now();
      recorder.start();
      say(form.dataset.textRecording);
      timer = setTimeout(stop, LIMIT_MS);
    }).catch(function () { say(form.dataset.textNoMicrophone); });
  }

  function stop() {
    clearTimeout(timer);
    if (recorder && recorder.state === "recording") recorder.stop();
  }

  // Queued for later (static/voice/queue.js): the form is cleared, so is the recording shown.
  document.addEventListener("voice-form-queued", function () {
    player.hidden = true;
    player.removeAttribute("src");
    say("");
  });

  button.addEventListener("pointerdown", start);
  button.addEventListener("pointerup", stop);
  button.addEventListener("pointerleave", stop);
  button.addEventListener("keydown", function (e) { if (e.key === " " || e.key === "Enter") start(e); });
  button.addEventListener("keyup", function (e) { if (e.key === " " || e.key === "Enter") stop(); });
})();
