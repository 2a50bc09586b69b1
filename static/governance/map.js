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
    if (window.L && window.XiaogeMap) { callback(); return; }
    waiting.push(callback);
    if (requested) return;
    requested = true;
    var pending = 3;
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
    // The tiles and the GCJ-02 conversion of an Amap-style map (core/mapcoords.js).
    var coords = document.createElement("script");
    coords.src = node.dataset.mapcoordsJs;
    coords.onload = loaded;
    document.head.appendChild(coords);
  }

  // [lat, lng] in WGS-84 (what the server stores) ↔ where this map draws it.
  function toMap(node, lat, lng) { return XiaogeMap.toMap(XiaogeMap.settings(node), lat, lng); }

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
    var map = L.map(node).setView(toMap(node, centre[0], centre[1]), zoom);
    map.attributionControl.setPrefix("Leaflet");
    XiaogeMap.addTiles(L, map, XiaogeMap.settings(node));
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
        var at = toMap(publicNode, r.lat, r.lng);
        var marker = L.circleMarker(at, { radius: 9, color: r.open ? "#8a5300" : "#1e6b3a", fillOpacity: 0.8 });
        var text = document.createElement("span");
        text.textContent = "#" + r.id + " " + r.category + " · " + r.status;
        marker.bindPopup(text).addTo(map);
        bounds.push(at);
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
    // latlng: where the map draws it (a tap, or toMap of a WGS-84 position).
    var place = function (latlng, zoom) {
      if (pin) pin.setLatLng(latlng); else pin = L.marker(latlng).addTo(pinMap);
      if (zoom) pinMap.setView(latlng, 17);
    };
    var start = function () {
      if (pinMap) return;
      if (button) button.remove();
      var centre = lat.value ? [parseFloat(lat.value), parseFloat(lng.value)] : DISTRICT;
      pinMap = baseMap(pinNode, centre, lat.value ? 17 : 12);
      if (lat.value) pin = L.marker(toMap(pinNode, centre[0], centre[1])).addTo(pinMap);
      if (located) place(toMap(pinNode, located[0], located[1]), true);
      pinMap.on("click", function (event) {
        var wgs = XiaogeMap.fromMap(XiaogeMap.settings(pinNode), event.latlng);
        lat.value = wgs[0].toFixed(6);
        lng.value = wgs[1].toFixed(6);
        place(event.latlng, false);
        status.textContent = pinNode.dataset.textPinned;
        document.dispatchEvent(new CustomEvent("report-pinned"));
      });
    };
    document.addEventListener("report-located", function (event) {
      located = [event.detail.lat, event.detail.lng];
      if (pinMap) place(toMap(pinNode, located[0], located[1]), true); else withLeaflet(pinNode, start);
    });
    if (button) button.addEventListener("click", function () { button.disabled = true; withLeaflet(pinNode, start); });
  }
})();
