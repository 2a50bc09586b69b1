"""Distances without PostGIS: a bounding box on indexed columns, then haversine in SQL.

The box lets PostgreSQL use the (latitude, longitude) index to pick the few
candidates; the haversine expression orders them in the database, so no
point list is ever sorted in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import F, FloatField, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

from core.geo import EARTH_RADIUS_KM, degree_span, haversine_km

__all__ = ["EARTH_RADIUS_KM", "Box", "bounding_box", "distance_expression", "haversine_km"]


# Where the district is when a worker shares neither a location nor a street (Xihu District offices).
DISTRICT_CENTRE = (30.2741, 120.1202)

# Approximate centres of the subdistricts and towns (keys are accounts.models.Street values).
STREET_CENTRES = {
    "beishan": (30.2620, 120.1440),
    "xixi": (30.2760, 120.1290),
    "lingyin": (30.2420, 120.1190),
    "cuiyuan": (30.2900, 120.1300),
    "wenxin": (30.2890, 120.1080),
    "gudang": (30.2850, 120.1180),
    "xihu": (30.2300, 120.1250),
    "zhuantang": (30.1600, 120.1050),
    "liuxia": (30.2500, 120.0600),
    "jiangcun": (30.2830, 120.0950),
    "sandun": (30.3300, 120.0950),
    "shuangpu": (30.1700, 120.0600),
}


@dataclass(frozen=True)
class Box:
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float


def bounding_box(lat: float, lng: float, radius_km: float) -> Box:
    dlat, dlng = degree_span(lat, radius_km)
    return Box(lat - dlat, lat + dlat, lng - dlng, lng + dlng)


def distance_expression(
    lat: float, lng: float, *, lat_field: str = "latitude", lng_field: str = "longitude"
) -> CombinedExpression:
    """Haversine distance in km from (lat, lng) to the row's coordinates, as a SQL expression."""
    lat0 = Value(math.radians(lat), output_field=FloatField())
    lng0 = Value(math.radians(lng), output_field=FloatField())
    cos_lat0 = Value(math.cos(math.radians(lat)), output_field=FloatField())
    lat1, lng1 = Radians(F(lat_field)), Radians(F(lng_field))
    a = Power(Sin((lat1 - lat0) / 2), 2) + cos_lat0 * Cos(lat1) * Power(Sin((lng1 - lng0) / 2), 2)
    # LEAST guards asin against a rounding error just above 1.
    return Value(2 * EARTH_RADIUS_KM, output_field=FloatField()) * ASin(
        Least(Sqrt(a), Value(1.0, output_field=FloatField()))
    )
