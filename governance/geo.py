"""Small plane geometry on WGS-84 coordinates: enough for grids of a few hundred metres.

A grid is a GeoJSON Polygon (`[[[lng, lat], ...], [hole ...]]`). We test points
with ray casting rather than pulling in a geometry library: the polygons are
small and few, the database narrows candidates by bounding box first, and the
function below is short enough to read and test completely.
"""

import math
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.geo import degree_span, haversine_km

Ring = Sequence[tuple[float, float]]  # (lng, lat) pairs, GeoJSON order

BAD_POLYGON = _(
    'The area must be a GeoJSON Polygon: {"type": "Polygon", "coordinates": [[[lng, lat], ...]]} '
    "with at least three corners, longitudes -180..180 and latitudes -90..90."
)


def polygon_rings(area) -> list[list[tuple[float, float]]]:
    """The polygon's rings (outer first, then holes), validated."""
    try:
        if not isinstance(area, dict) or area.get("type") != "Polygon":
            raise ValueError
        rings = [[(float(lng), float(lat)) for lng, lat, *_rest in ring] for ring in area["coordinates"]]
        if not rings or any(len(ring) < 3 for ring in rings):
            raise ValueError
        for ring in rings:
            for lng, lat in ring:
                if not (-180 <= lng <= 180 and -90 <= lat <= 90):
                    raise ValueError
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(BAD_POLYGON, code="bad_polygon") from error
    return rings


def bounding_box(rings) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(south, west, north, east) of the outer ring, rounded outwards to 6 places."""
    outer = rings[0]
    lats = [lat for _lng, lat in outer]
    lngs = [lng for lng, _lat in outer]
    down = Decimal("0.000001")

    def floor(value: float) -> Decimal:
        return Decimal(math.floor(value * 1e6)) * down

    def ceil(value: float) -> Decimal:
        return Decimal(math.ceil(value * 1e6)) * down

    return floor(min(lats)), floor(min(lngs)), ceil(max(lats)), ceil(max(lngs))


def point_in_ring(lng: float, lat: float, ring: Ring) -> bool:
    """Ray casting: a ray from the point eastwards crosses the ring's edges an odd number of times."""
    inside = False
    count = len(ring)
    j = count - 1
    for i in range(count):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > lat) != (yj > lat):
            crossing_lng = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lng < crossing_lng:
                inside = not inside
        j = i
    return inside


def point_in_polygon(lng: float, lat: float, rings) -> bool:
    outer, *holes = rings
    return point_in_ring(lng, lat, outer) and not any(point_in_ring(lng, lat, hole) for hole in holes)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    return haversine_km(lat1, lng1, lat2, lng2) * 1000


def degree_box(lat: float, radius_m: float) -> tuple[float, float]:
    """How many degrees of latitude and of longitude `radius_m` spans at this latitude."""
    return degree_span(lat, radius_m / 1000)
