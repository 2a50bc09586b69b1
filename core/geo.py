"""Distances on WGS-84 coordinates, shared by the service directory and the grid reports."""

import math

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
KM_PER_DEGREE_LATITUDE = 111.32


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = math.radians(lat2 - lat1), math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def degree_span(lat: float, radius_km: float) -> tuple[float, float]:
    """How many degrees of latitude and of longitude `radius_km` spans at this latitude (for index boxes)."""
    dlat = radius_km / KM_PER_DEGREE_LATITUDE
    dlng = radius_km / (KM_PER_DEGREE_LATITUDE * max(math.cos(math.radians(lat)), 0.01))
    return dlat, dlng


# --- GCJ-02, the offset coordinates of mainland Chinese maps (Amap, Tencent) -----------------
# The published standard conversion (Krasovsky ellipsoid, the "transformlat/transformlng"
# series): every point is stored in WGS-84 and moved only on its way to a GCJ-02 map. 天地图
# (Tianditu) draws in CGCS2000, which differs from WGS-84 by centimetres: no conversion.
# static/core/mapcoords.js is the same conversion for the browser (taps on such a map).

GCJ_A = 6378245.0
GCJ_EE = 0.00669342162296594323


def outside_china(lat: float, lng: float) -> bool:
    """GCJ-02 moves only points inside mainland China's bounding box; elsewhere it is WGS-84."""
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _delta_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """(lat, lng) in WGS-84 → where a GCJ-02 map draws that place."""
    if outside_china(lat, lng):
        return lat, lng
    dlat = _delta_lat(lng - 105.0, lat - 35.0)
    dlng = _delta_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - GCJ_EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((GCJ_A * (1 - GCJ_EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (GCJ_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """A tap on a GCJ-02 map → WGS-84, by iterating the forward conversion (under 1 cm off)."""
    if outside_china(lat, lng):
        return lat, lng
    wlat, wlng = lat, lng
    for _step in range(10):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        dlat, dlng = glat - lat, glng - lng
        wlat, wlng = wlat - dlat, wlng - dlng
        if abs(dlat) < 1e-9 and abs(dlng) < 1e-9:
            break
    return wlat, wlng
