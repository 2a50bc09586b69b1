// The resend button on the SMS code page waits out the per-number limit, counting down.
// Without this script the button is always there and the page says the wait in words.
(function () {
  "use strict";
  var button = document.querySelector("[data-resend-wait]");
  if (!button) return;
  var hint = document.querySelector("[data-resend-hint]");
  var left = parseInt(button.getAttribute("data-resend-wait"), 10) || 0;
  var label = button.getAttribute("data-label");
  var waiting = button.getAttribute("data-label-waiting");
  function show() {
    if (left > 0) {
      button.disabled = true;
      button.textContent = waiting.replace("{seconds}", String(left));
    } else {
      button.disabled = false;
      button.textContent = label;
      if (hint) hint.hidden = true;
    }
  }
  show();
  if (left <= 0) return;
  var timer = window.setInterval(function () {
    left -= 1;
    show();
    if (left <= 0) window.clearInterval(timer);
  }, 1000);
})();
