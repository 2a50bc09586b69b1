// "Near me": ask the browser for a location (the street choice stays as the fallback),
// and draw the map when the page has one. The list works without any of this.
(function () {
  "use strict";
  var form = document.getElementById("near-form");
  var button = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  var lat = document.getElementById("near-lat");
  var lng = document.getElementById("near-lng");
  if (form && button && navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.asking || "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lng.value = position.coords.longitude.toFixed(6);
        form.street.value = "";
        form.submit();
      }, function () {
        status.textContent = form.dataset.refused || "";
        form.street.focus();
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 120000 });
    });
    // A chosen street replaces the device location.
    form.street.addEventListener("change", function () { lat.value = ""; lng.value = ""; });
  }
  var dataNode = document.getElementById("map-data");
  if (!dataNode || !window.L) { return; }
  var data = JSON.parse(dataNode.textContent);
  var map = L.map("map", { zoomControl: true }).setView([data.centre.lat, data.centre.lng], 14);
  map.attributionControl.setPrefix("Leaflet");
  L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution }).addTo(map);
  L.circleMarker([data.centre.lat, data.centre.lng], { radius: 7, color: "#b3261e", fillOpacity: 0.9 }).addTo(map);
  var bounds = [[data.centre.lat, data.centre.lng]];
  data.points.forEach(function (p) {
    var marker = L.circleMarker([p.lat, p.lng], { radius: 9, color: p.open ? "#1e6b3a" : "#4f5863", fillOpacity: 0.8 });
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.name;
    marker.bindPopup(link).addTo(map);
    bounds.push([p.lat, p.lng]);
  });
  if (bounds.length > 1) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 }); }
})();
