/* Maps of the grid pages (Leaflet, self-hosted): public reports, and a pin on the report form.
 * Both pages work without it: the public list shows the same reports, the form has the street.
 * Leaflet (about 40 KB compressed, three times the rest of the form's script) is fetched only
 * when a map is needed: the public map when it scrolls into view, the form's when asked for or
 * when the phone's location is found. Its URLs come from the map element (hashed in production). */
(function () {
  "use strict";
  var DISTRICT = [30.27, 120.12];
  var waiting = [], requested = false;

  function withLeaflet(node, callback) {
    if (window.L) { callback(); return; }
    waiting.push(callback);
    if (requested) return;
    requested = true;
    var pending = 2;
    function loaded() {
      if (--pending) return;
      var callbacks = waiting;
      waiting = [];
      callbacks.forEach(function (f) { f(); });
    }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = node.dataset.leafletCss;
    css.onload = loaded;
    css.onerror = loaded;  // an unstyled map still places the pin
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = node.dataset.leafletJs;
    script.onload = loaded;
    document.head.appendChild(script);
  }

  function whenVisible(node, start) {
    if (!("IntersectionObserver" in window)) { withLeaflet(node, start); return; }
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        withLeaflet(node, start);
      }
    });
    observer.observe(node);
  }

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
    publicNode.hidden = false;
    whenVisible(publicNode, function () {
      var reports = JSON.parse(dataNode.textContent);
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
    });
  }

  // Report form: tap the map to put the pin where the problem is. The map comes when asked for
  // (its button) or when the phone's location is found, never with the page.
  var pinNode = document.getElementById("pin-map");
  var form = document.getElementById("report-form");
  if (pinNode && form) {
    var lat = form.querySelector("input[name=lat]"), lng = form.querySelector("input[name=lng]");
    var status = form.querySelector(".location-status");
    var button = pinNode.querySelector(".map-button");
    var pinMap = null, pin = null, located = null;
    pinNode.hidden = false;
    var place = function (latlng, zoom) {
      if (pin) pin.setLatLng(latlng); else pin = L.marker(latlng).addTo(pinMap);
      if (zoom) pinMap.setView(latlng, 17);
    };
    var start = function () {
      if (pinMap) return;
      if (button) button.remove();
      var centre = lat.value ? [parseFloat(lat.value), parseFloat(lng.value)] : DISTRICT;
      pinMap = baseMap(pinNode, centre, lat.value ? 17 : 12);
      if (lat.value) pin = L.marker(centre).addTo(pinMap);
      if (located) place(located, true);
      pinMap.on("click", function (event) {
        lat.value = event.latlng.lat.toFixed(6);
        lng.value = event.latlng.lng.toFixed(6);
        place(event.latlng, false);
        status.textContent = pinNode.dataset.textPinned;
        document.dispatchEvent(new CustomEvent("report-pinned"));
      });
    };
    document.addEventListener("report-located", function (event) {
      located = [event.detail.lat, event.detail.lng];
      if (pinMap) place(located, true); else withLeaflet(pinNode, start);
    });
    if (button) button.addEventListener("click", function () { button.disabled = true; withLeaflet(pinNode, start); });
  }
})();
