"""Issue 19, item 11: maps that work in mainland China.

天地图 (Tianditu) draws in CGCS2000, which needs no offset; a GCJ-02 tile source (Amap) draws
mainland China a few hundred metres off WGS-84, so points are converted on their way to the map
(static/core/mapcoords.js, the same conversion as core.geo) and taps are converted back.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.settings import tile_origin
from core.geo import gcj02_to_wgs84, haversine_km, wgs84_to_gcj02

# The published reference of the standard conversion (wandergis/coordtransform, its README and
# test/app.js): wgs84togcj02(116.404, 39.915) = [116.41024449916938, 39.91640428150164].
BEIJING_WGS84 = (39.915, 116.404)
BEIJING_GCJ02 = (39.91640428150164, 116.41024449916938)
SCRIPT = Path(settings.BASE_DIR) / "static" / "core" / "mapcoords.js"


def test_a_known_point_converts_to_the_published_gcj02_value():
    lat, lng = wgs84_to_gcj02(*BEIJING_WGS84)
    assert (lat, lng) == pytest.approx(BEIJING_GCJ02, abs=1e-12)
    # The offset is the few hundred metres the issue saw.
    assert round(haversine_km(*BEIJING_WGS84, lat, lng) * 1000) == 555


def test_a_tap_on_a_gcj02_map_converts_back_to_wgs84():
    assert gcj02_to_wgs84(*BEIJING_GCJ02) == pytest.approx(BEIJING_WGS84, abs=1e-8)
    west_lake = (30.259, 120.143)
    assert gcj02_to_wgs84(*wgs84_to_gcj02(*west_lake)) == pytest.approx(west_lake, abs=1e-8)


def test_outside_mainland_china_nothing_moves():
    assert wgs84_to_gcj02(51.5, -0.12) == (51.5, -0.12)
    assert gcj02_to_wgs84(51.5, -0.12) == (51.5, -0.12)


@pytest.mark.skipif(shutil.which("node") is None, reason="the browser script is run with Node.js")
def test_the_browser_script_converts_the_same_way():
    program = (
        f"const m = require({json.dumps(str(SCRIPT))});"
        "const s = m.settings({tiles: 't', coords: 'gcj02'});"
        "console.log(JSON.stringify([m.wgs84ToGcj02(39.915, 116.404),"
        " m.toMap(s, 39.915, 116.404), m.fromMap(s, {lat: 39.91640428150164, lng: 116.41024449916938}),"
        " m.toMap(m.settings({tiles: 't', coords: 'wgs84'}), 39.915, 116.404)]));"
    )
    out = json.loads(
        subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True).stdout
    )
    assert out[0] == pytest.approx(list(BEIJING_GCJ02), abs=1e-12)
    assert out[1] == pytest.approx(list(BEIJING_GCJ02), abs=1e-12)
    assert out[2] == pytest.approx(list(BEIJING_WGS84), abs=1e-8)
    assert out[3] == [39.915, 116.404]  # 天地图 and OpenStreetMap: drawn where they are


def _settings_with(**env) -> dict:
    """The map settings config.settings computes from these environment variables."""
    code = (
        "import json, config.settings as s; print(json.dumps({k: getattr(s, k) for k in"
        " ('MAP_TILE_URL', 'MAP_TILE_LABELS_URL', 'MAP_TILE_COORDINATES', 'MAP_TILE_SUBDOMAINS',"
        " 'MAP_TILE_ATTRIBUTION', 'MAP_TILE_ORIGIN')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_tianditu_tiles_with_the_key_from_settings():
    tiles = _settings_with(MAP_TILES="tianditu", TIANDITU_KEY="k123")
    assert tiles["MAP_TILE_URL"] == (
        "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=k123"
    )
    assert tiles["MAP_TILE_LABELS_URL"].startswith("https://t{s}.tianditu.gov.cn/cva_w/wmts?")
    assert (tiles["MAP_TILE_COORDINATES"], tiles["MAP_TILE_SUBDOMAINS"]) == ("wgs84", "01234567")
    assert tiles["MAP_TILE_ORIGIN"] == "https://*.tianditu.gov.cn"


def test_amap_tiles_are_gcj02():
    tiles = _settings_with(MAP_TILES="amap")
    assert tiles["MAP_TILE_COORDINATES"] == "gcj02"
    assert tiles["MAP_TILE_ORIGIN"] == "https://*.is.autonavi.com"
    assert tiles["MAP_TILE_ATTRIBUTION"] == "© 高德地图"


def test_tianditu_without_a_key_is_refused_at_start():
    code = "import config.settings"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "MAP_TILES": "tianditu",
            "TIANDITU_KEY": "",
        },
    )
    assert "MAP_TILES=tianditu needs TIANDITU_KEY" in result.stderr


def test_subdomain_labels_become_a_csp_wildcard():
    assert tile_origin("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}") == "https://*.is.autonavi.com"
