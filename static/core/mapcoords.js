/* The maps' tiles and coordinates (issue 19): every point is stored in WGS-84. A GCJ-02 tile
 * source (Amap) draws mainland China a few hundred metres off WGS-84, so points are converted on
 * their way to such a map and taps converted back; 天地图 (CGCS2000) and OpenStreetMap need
 * nothing. The same conversion as core/geo.py (tested against the published reference values). */
(function (root) {
  "use strict";
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;

  function outsideChina(lat, lng) { return !(lng > 73.66 && lng < 135.05 && lat > 3.86 && lat < 53.55); }

  function deltaLat(x, y) {
    var ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    ret += (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return ret;
  }

  function deltaLng(x, y) {
    var ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    ret += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return ret;
  }

  function wgs84ToGcj02(lat, lng) {
    if (outsideChina(lat, lng)) return [lat, lng];
    var dlat = deltaLat(lng - 105.0, lat - 35.0), dlng = deltaLng(lng - 105.0, lat - 35.0);
    var radlat = lat / 180.0 * PI, magic = 1 - EE * Math.sin(radlat) * Math.sin(radlat);
    var sqrtmagic = Math.sqrt(magic);
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * PI);
    dlng = (dlng * 180.0) / (A / sqrtmagic * Math.cos(radlat) * PI);
    return [lat + dlat, lng + dlng];
  }

  function gcj02ToWgs84(lat, lng) {
    if (outsideChina(lat, lng)) return [lat, lng];
    var wlat = lat, wlng = lng;
    for (var i = 0; i < 10; i++) {
      var g = wgs84ToGcj02(wlat, wlng), dlat = g[0] - lat, dlng = g[1] - lng;
      wlat -= dlat; wlng -= dlng;
      if (Math.abs(dlat) < 1e-9 && Math.abs(dlng) < 1e-9) break;
    }
    return [wlat, wlng];
  }

  // A map's settings, from the data-* attributes of its element (or a JSON object with the same keys).
  function settings(source) {
    var d = source.dataset || source;
    return {
      tiles: d.tiles, attribution: d.attribution || "", labels: d.labels || "",
      subdomains: d.subdomains || "abc", gcj02: d.coords === "gcj02"
    };
  }

  var api = {
    wgs84ToGcj02: wgs84ToGcj02,
    gcj02ToWgs84: gcj02ToWgs84,
    settings: settings,
    // [lat, lng] in WGS-84 → where this map draws it.
    toMap: function (s, lat, lng) { return s.gcj02 ? wgs84ToGcj02(lat, lng) : [lat, lng]; },
    // A tap on this map → [lat, lng] in WGS-84.
    fromMap: function (s, latlng) { return s.gcj02 ? gcj02ToWgs84(latlng.lat, latlng.lng) : [latlng.lat, latlng.lng]; },
    // The tile layers (and 天地图's label layer) on a Leaflet map.
    addTiles: function (L, map, s) {
      var options = { maxZoom: 18, attribution: s.attribution, subdomains: s.subdomains };
      L.tileLayer(s.tiles, options).addTo(map);
      if (s.labels) L.tileLayer(s.labels, { maxZoom: 18, subdomains: s.subdomains }).addTo(map);
    }
  };
  if (typeof module !== "undefined" && module.exports) module.exports = api; else root.XiaogeMap = api;
})(this);
