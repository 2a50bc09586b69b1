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
  var mapNode = document.getElementById("map");
  if (!dataNode || !mapNode) { return; }
  if (window.L && window.XiaogeMap) { draw(); return; }
  // A map below what the page is for (a delivery site's gates come first) names Leaflet on its
  // element instead of loading it with the page: fetched when the map scrolls into view, so the
  // text is ready and usable sooner on a slow phone.
  if (!mapNode.dataset.leafletJs) { return; }
  if (!("IntersectionObserver" in window)) { loadLeaflet(); return; }
  // Once a third of it is on screen: a map whose edge peeks in under the gates waits for a scroll.
  var observer = new IntersectionObserver(function (entries) {
    if (entries.some(function (entry) { return entry.intersectionRatio >= 0.3; })) {
      observer.disconnect();
      loadLeaflet();
    }
  }, { threshold: 0.3 });
  observer.observe(mapNode);

  function loadLeaflet() {
    var pending = 3;
    function loaded() { if (--pending === 0 && window.L && window.XiaogeMap) { draw(); } }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = mapNode.dataset.leafletCss;
    css.onload = loaded;
    css.onerror = loaded;  // an unstyled map still shows the points
    document.head.appendChild(css);
    [mapNode.dataset.leafletJs, mapNode.dataset.mapcoordsJs].forEach(function (src) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = loaded;
      document.head.appendChild(script);
    });
  }

  function draw() {
    var data = JSON.parse(dataNode.textContent);
    // Points are WGS-84; XiaogeMap draws them where a GCJ-02 map (Amap) has them (core/mapcoords.js).
    var tiles = XiaogeMap.settings(data);
    var centre = XiaogeMap.toMap(tiles, data.centre.lat, data.centre.lng);
    var map = L.map("map", { zoomControl: true }).setView(centre, 14);
    map.attributionControl.setPrefix("Leaflet");
    XiaogeMap.addTiles(L, map, tiles);
    L.circleMarker(centre, { radius: 7, color: "#b3261e", fillOpacity: 0.9 }).addTo(map);
    var bounds = [centre];
    data.points.forEach(function (p) {
      var at = XiaogeMap.toMap(tiles, p.lat, p.lng);
      var marker = L.circleMarker(at, { radius: 9, color: p.open ? "#1e6b3a" : "#4f5863", fillOpacity: 0.8 });
      var link = document.createElement("a");
      link.href = p.url;
      link.textContent = p.name;
      marker.bindPopup(link).addTo(map);
      bounds.push(at);
    });
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 }); }
  }
})();
