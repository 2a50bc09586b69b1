// Admin: preview a service point's coordinates (WGS-84) on a map; a click sets them. On a GCJ-02
// map (Amap) the pin is drawn converted and a click converted back (core/mapcoords.js).
window.addEventListener("load", function () {
  "use strict";
  var node = document.getElementById("point-map");
  var latInput = document.getElementById("id_latitude");
  var lngInput = document.getElementById("id_longitude");
  if (!node || !latInput || !lngInput || !window.L || !window.XiaogeMap) { return; }
  var tiles = XiaogeMap.settings(node);
  var start = XiaogeMap.toMap(tiles, parseFloat(latInput.value) || 30.2741, parseFloat(lngInput.value) || 120.1202);
  var map = L.map(node).setView(start, 15);
  map.attributionControl.setPrefix("Leaflet");
  XiaogeMap.addTiles(L, map, tiles);
  var marker = L.marker(start).addTo(map);
  function fromInputs() {
    var lat = parseFloat(latInput.value), lng = parseFloat(lngInput.value);
    if (!isNaN(lat) && !isNaN(lng)) {
      var at = XiaogeMap.toMap(tiles, lat, lng);
      marker.setLatLng(at);
      map.panTo(at);
    }
  }
  latInput.addEventListener("change", fromInputs);
  lngInput.addEventListener("change", fromInputs);
  map.on("click", function (event) {
    var wgs = XiaogeMap.fromMap(tiles, event.latlng);
    latInput.value = wgs[0].toFixed(6);
    lngInput.value = wgs[1].toFixed(6);
    marker.setLatLng(event.latlng);
  });
});
