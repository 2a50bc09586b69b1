// Admin: preview a service point's coordinates on a map; a click sets them.
window.addEventListener("load", function () {
  "use strict";
  var node = document.getElementById("point-map");
  var latInput = document.getElementById("id_latitude");
  var lngInput = document.getElementById("id_longitude");
  if (!node || !latInput || !lngInput || !window.L) { return; }
  var start = [parseFloat(latInput.value) || 30.2741, parseFloat(lngInput.value) || 120.1202];
  var map = L.map(node).setView(start, 15);
  map.attributionControl.setPrefix("Leaflet");
  L.tileLayer(node.dataset.tiles, { maxZoom: 19, attribution: node.dataset.attribution }).addTo(map);
  var marker = L.marker(start).addTo(map);
  function fromInputs() {
    var lat = parseFloat(latInput.value), lng = parseFloat(lngInput.value);
    if (!isNaN(lat) && !isNaN(lng)) { marker.setLatLng([lat, lng]); map.panTo([lat, lng]); }
  }
  latInput.addEventListener("change", fromInputs);
  lngInput.addEventListener("change", fromInputs);
  map.on("click", function (event) {
    latInput.value = event.latlng.lat.toFixed(6);
    lngInput.value = event.latlng.lng.toFixed(6);
    marker.setLatLng(event.latlng);
  });
});
