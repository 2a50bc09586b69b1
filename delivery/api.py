"""The open data export: every site and its public parts as one GeoJSON FeatureCollection (RFC 7946).

Streamed feature by feature from server-side cursors, so 50,000 sites never sit in memory;
`modified_since` gives only what changed since a platform's last load. Positions are [longitude,
latitude] in WGS-84 (RFC 7946 §3.1.1, §4); an outline's ring is closed and counter-clockwise
(§3.1.6). Only public fields: no site managers, no corrections, no riders.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

from django.db import models
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from core import validation
from delivery.models import Building, DropPoint, Gate, Parking, Site

GEOJSON = "application/geo+json"
CHUNK = 500
PARAMETERS = frozenset({"modified_since"})
NOT_A_PARAMETER = "%(name)s is not a parameter of this path; it takes: modified_since."
BAD_SINCE = "modified_since must be an ISO 8601 date or date-time, e.g. 2026-03-01T08:00:00+08:00."

_POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
FEATURE_COLLECTION_SCHEMA = {
    "type": "object",
    "description": "An RFC 7946 FeatureCollection; positions are [longitude, latitude] (WGS-84).",
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": ["Feature"]},
                    "id": {
                        "type": "string",
                        "description": "A UUID; a site outline's is the site's with -outline.",
                    },
                    "geometry": {
                        "type": "object",
                        "properties": {
                            "type": {"type": "string", "enum": ["Point", "Polygon"]},
                            "coordinates": {
                                "oneOf": [
                                    _POSITION,
                                    {"type": "array", "items": {"type": "array", "items": _POSITION}},
                                ]
                            },
                        },
                        "required": ["type", "coordinates"],
                    },
                    "properties": {
                        "type": "object",
                        "properties": {
                            "feature": {
                                "type": "string",
                                "enum": ["site", "site_outline", "gate", "parking", "drop_point", "building"],
                            },
                            "site": {"type": "string", "format": "uuid"},
                            "name": {"type": "string"},
                            "updated": {"type": "string", "format": "date-time"},
                        },
                        "required": ["feature", "site", "name", "updated"],
                        "additionalProperties": True,
                    },
                },
                "required": ["type", "id", "geometry", "properties"],
            },
        },
    },
    "required": ["type", "features"],
}


class GeoJSONRenderer(JSONRenderer):
    media_type = GEOJSON
    format = "geojson"


def _point(lat: float, lng: float) -> dict:
    return {"type": "Point", "coordinates": [round(lng, 7), round(lat, 7)]}


def _ring(outline: list[list[float]]) -> list[list[float]]:
    """Closed, and counter-clockwise as RFC 7946 §3.1.6 asks of an exterior ring."""
    ring = [[round(float(x), 7), round(float(y), 7)] for x, y in outline]
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    area2 = sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring))
    return ring if area2 > 0 else ring[::-1]


def _feature(uuid, geometry: dict, properties: dict) -> str:
    return json.dumps(
        {"type": "Feature", "id": str(uuid), "geometry": geometry, "properties": properties},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _since(queryset: QuerySet, since) -> QuerySet:
    return queryset.filter(updated_at__gte=since) if since is not None else queryset


def features(since=None) -> Iterator[str]:
    sites = _since(Site.objects.filter(is_active=True), since).order_by("id")
    for site in sites.values(
        "uuid", "name", "kind", "address", "latitude", "longitude", "outline", "updated_at"
    ).iterator(chunk_size=CHUNK):
        common = {"site": str(site["uuid"]), "name": site["name"], "updated": site["updated_at"].isoformat()}
        yield _feature(
            site["uuid"],
            _point(site["latitude"], site["longitude"]),
            {"feature": "site", **common, "kind": site["kind"], "address": site["address"]},
        )
        if site["outline"]:
            yield _feature(
                _outline_id(site["uuid"]),
                {"type": "Polygon", "coordinates": [_ring(site["outline"])]},
                {"feature": "site_outline", **common},
            )
    parts: list[tuple[str, type[models.Model], tuple[str, ...]]] = [
        ("gate", Gate, ("on_foot", "ebike", "opens_at", "closes_at", "guard", "phone")),
        ("parking", Parking, ("capacity", "charging")),
        ("drop_point", DropPoint, ("kind",)),
        ("building", Building, ("number", "floors")),
    ]
    for feature, model, extra in parts:
        rows = _since(model._default_manager.filter(site__is_active=True), since).order_by("id")
        columns = (
            "uuid",
            "site__uuid",
            "name",
            "latitude",
            "longitude",
            "is_active",
            "notes",
            "updated_at",
            *extra,
        )
        for row in rows.values(*columns).iterator(chunk_size=CHUNK):
            properties = {
                "feature": feature,
                "site": str(row["site__uuid"]),
                "name": row["name"],
                "updated": row["updated_at"].isoformat(),
                "active": row["is_active"],
                "notes": row["notes"],
            }
            for name in extra:
                value = row[name]
                properties[name] = value.strftime("%H:%M") if hasattr(value, "strftime") else value
            yield _feature(row["uuid"], _point(row["latitude"], row["longitude"]), properties)


def _outline_id(site_uuid) -> str:
    # A feature id of its own (RFC 7946 §3.2: an id names one feature): the site's, with a suffix.
    return f"{site_uuid}-outline"


def feature_collection(since=None) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    first = True
    for feature in features(since):
        yield ("" if first else ",") + feature
        first = False
    yield "]}\n"


class GeoJSONView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    renderer_classes = (GeoJSONRenderer, JSONRenderer)

    @extend_schema(
        operation_id="delivery_geojson",
        summary="The delivery guide map as GeoJSON",
        description=(
            "Every delivery site (point and, where mapped, its outline) with its gates, rider parking, "
            "drop points and buildings, as one RFC 7946 FeatureCollection, streamed. Each feature's "
            "`properties.feature` says what it is and `properties.site` which site it belongs to; "
            "`active: false` marks a part riders can no longer use."
        ),
        parameters=[
            OpenApiParameter(
                "modified_since",
                OpenApiTypes.DATETIME,
                description="Only features changed at or after this moment (ISO 8601).",
                required=False,
            )
        ],
        responses={(200, GEOJSON): FEATURE_COLLECTION_SCHEMA},
        tags=["Delivery map"],
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        unknown = sorted(set(request.query_params) - PARAMETERS)
        if unknown:
            raise ValidationError({name: [NOT_A_PARAMETER % {"name": name}] for name in unknown})
        try:
            since = validation.parse_datetime_param(
                request.query_params.get("modified_since"), name="modified_since"
            )
        except validation.BadInput:
            raise ValidationError({"modified_since": [BAD_SINCE]}) from None
        return StreamingHttpResponse(feature_collection(since), content_type=GEOJSON)
