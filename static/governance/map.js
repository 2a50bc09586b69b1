/* Maps of the grid pages (Leaflet, self-hosted): public reports, and a pin on the report form.
 * Both pages work without it: the public list shows the same reports, the form has the street. */
(function () {
  "use strict";
  if (!window.L) return;
  var DISTRICT = [30.27, 120.12];

  function baseMap(node, centre, zoom) {
    var map = L.map(node).setView(centre, zoom);
    map.attributionControl.setPrefix("Leaflet");
    L.tileLayer(node.dataset.tiles, { maxZoom: 19, attribution: node.dataset.attribution }).addTo(map);
    return map;
  }

  // Public reports: one marker each, category and status only (never who reported).
  var publicNode = document.getElementById("report-map");
  var dataNode = document.getElementById("report-map-data");
  if (publicNode && dataNode) {
    var reports = JSON.parse(dataNode.textContent);
    publicNode.hidden = false;
    var map = baseMap(publicNode, DISTRICT, 12);
    var bounds = [];
    reports.forEach(function (r) {
      var marker = L.circleMarker([r.lat, r.lng], { radius: 9, color: r.open ? "#8a5300" : "#1e6b3a", fillOpacity: 0.8 });
      var text = document.createElement("span");
      text.textContent = "#" + r.id + " " + r.category + " · " + r.status;
      marker.bindPopup(text).addTo(map);
      bounds.push([r.lat, r.lng]);
    });
    if (bounds.length) map.fitBounds(bounds, { maxZoom: 16, padding: [24, 24] });
  }

  // Report form: tap the map to put the pin where the problem is.
  var pinNode = document.getElementById("pin-map");
  var form = document.getElementById("report-form");
  if (pinNode && form) {
    var lat = form.querySelector("input[name=lat]"), lng = form.querySelector("input[name=lng]");
    var status = form.querySelector(".location-status");
    pinNode.hidden = false;
    var start = lat.value ? [parseFloat(lat.value), parseFloat(lng.value)] : DISTRICT;
    var pinMap = baseMap(pinNode, start, lat.value ? 17 : 12);
    var pin = lat.value ? L.marker(start).addTo(pinMap) : null;
    function place(latlng, zoom) {
      if (pin) pin.setLatLng(latlng); else pin = L.marker(latlng).addTo(pinMap);
      if (zoom) pinMap.setView(latlng, 17);
    }
    document.addEventListener("report-located", function (event) { place([event.detail.lat, event.detail.lng], true); });
    pinMap.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lng.value = event.latlng.lng.toFixed(6);
      place(event.latlng, false);
      status.textContent = pinNode.dataset.textPinned;
      document.dispatchEvent(new CustomEvent("report-pinned"));
    });
  }
})();
