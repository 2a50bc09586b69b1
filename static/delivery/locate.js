// The correction form: fill the hidden lat/lng from the phone's location (the form says why it needs it).
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  var lat = document.getElementById("id_lat");
  var lng = document.getElementById("id_lng");
  if (!button || !lat || !lng || !navigator.geolocation) { return; }
  button.hidden = false;
  function locate() {
    status.textContent = button.dataset.asking || "…";
    navigator.geolocation.getCurrentPosition(function (position) {
      lat.value = position.coords.latitude.toFixed(6);
      lng.value = position.coords.longitude.toFixed(6);
      status.textContent = button.dataset.found || "";
    }, function () { status.textContent = ""; }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }
  button.addEventListener("click", locate);
  if (!lat.value) { locate(); }
})();
