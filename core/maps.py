"""The one map configuration every map page hands its script (settings: MAP_TILES, MAP_TILE_*).

Points stay in WGS-84 everywhere; static/core/mapcoords.js draws them on a GCJ-02 map (Amap)
through the standard conversion (core.geo.wgs84_to_gcj02) and converts taps back. 天地图 (CGCS2000)
and OpenStreetMap-style tiles need no conversion. With no tile URL there is no map: lists only.
"""

from django.conf import settings


def map_settings() -> dict[str, str]:
    return {
        "tiles": settings.MAP_TILE_URL,
        "labels": settings.MAP_TILE_LABELS_URL,
        "subdomains": settings.MAP_TILE_SUBDOMAINS,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "coords": settings.MAP_TILE_COORDINATES,
    }
