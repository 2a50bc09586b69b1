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
