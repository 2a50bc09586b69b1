"""HSDS 3.0 read API: public, paginated with the standard's page object.

Every path takes exactly the parameters the official openapi.json gives it, plus our proximity
extension (lat, lng, radius) on the lists of services and service_at_locations and modified_after
on organizations; any other parameter is refused with a 400 naming it, never silently ignored.
`format=ndjson` streams every record of a list, one JSON object a line, without paging.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import uuid
from collections.abc import Callable, Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Avg, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from core import public_cache, validation
from core.db_router import read_from_replica
from core.openapi import DATETIME_PARAMETER, TEXT_PARAMETER
from services import geo, selectors
from services.api import hsds
from services.models import Organization, Scenario, Service, ServiceAtPoint, ServicePoint

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
DEFAULT_RADIUS_KM = 5.0
MAX_RADIUS_KM = 100.0

MAX_PAGE = 1_000_000
BAD_INTEGER = f"%(name)s must be a whole number from 1 to {MAX_PAGE:,}."
BAD_UUID = "%(name)s must be a UUID."
BAD_DATETIME = "modified_after must be an ISO 8601 date or date-time, e.g. 2026-03-01T08:00:00+08:00."
BAD_PROXIMITY = "lat and lng must be given together, as decimal degrees (WGS-84)."
BAD_RADIUS = f"radius must be a number of km above 0 and at most {MAX_RADIUS_KM:g}, given with lat and lng."
MAX_PROXIMITY_M = 100_000
BAD_METRES = f"proximity must be a whole number of metres from 1 to {MAX_PROXIMITY_M:,}."
PROXIMITY_NEEDS_POSTCODE = "proximity needs postcode: it counts metres from the centroid of that postcode."
BAD_POSTCODE = "postcode must be a six-digit Chinese postal code, e.g. 310012."
NOT_A_PARAMETER = "%(name)s is not a parameter of this path; it takes: %(allowed)s."
BAD_BOOLEAN = "%(name)s must be true or false."
BAD_FORMAT = "format must be json or ndjson."
MINIMAL_ALONE = "minimal lists every service at once: it takes no page, per_page, full or format."
NDJSON = "application/x-ndjson"
NDJSON_CHUNK = 500

PAGE_SCHEMA = {
    "type": "object",
    "properties": {
        "total_items": {"type": "integer"},
        "total_pages": {"type": "integer"},
        "page_number": {"type": "integer"},
        "size": {"type": "integer"},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean"},
        "contents": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    },
    "required": [
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    ],
}
OBJECT_SCHEMA = {"type": "object", "additionalProperties": True}

PAGE_NUMBER = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
PAGING = [
    OpenApiParameter("page", PAGE_NUMBER, description="Page number, from 1."),
    OpenApiParameter(
        "per_page",
        PAGE_NUMBER,
        description=f"Results per page (default 50; more than {MAX_PER_PAGE} counts as {MAX_PER_PAGE}).",
    ),
    OpenApiParameter("search", TEXT_PARAMETER, description="Text contained in the name or description."),
]
MODIFIED = OpenApiParameter(
    "modified_after", DATETIME_PARAMETER, description="Only records modified on or after this moment."
)
PROXIMITY = [
    OpenApiParameter(
        "lat",
        {"type": "number", "minimum": -90, "maximum": 90},
        description="Latitude (WGS-84) of the centre; only together with lng.",
    ),
    OpenApiParameter(
        "lng",
        {"type": "number", "minimum": -180, "maximum": 180},
        description="Longitude (WGS-84) of the centre; only together with lat.",
    ),
    OpenApiParameter(
        "radius",
        {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": MAX_RADIUS_KM},
        description="Radius in km around lat/lng (default 5, at most 100).",
    ),
]
TERM = OpenApiParameter(
    "taxonomy_term_id", OpenApiTypes.UUID, description="Only services with this taxonomy term."
)
ORGANIZATION = OpenApiParameter("organization_id", OpenApiTypes.UUID, description="Only this organisation's.")
TAXONOMY = OpenApiParameter(
    "taxonomy_id",
    OpenApiTypes.UUID,
    description="Only with a term of this taxonomy (unknown: an empty list).",
)
FORMAT = OpenApiParameter(
    "format",
    {"type": "string", "enum": ["json", "ndjson"]},
    description="json (default, paged) or ndjson: every record, one JSON object a line, streamed without paging.",
)
MINIMAL = OpenApiParameter(
    "minimal",
    OpenApiTypes.BOOL,
    description="true: a JSON array of every service's id and last_modified, unpaged.",
)
FULL = OpenApiParameter("full", OpenApiTypes.BOOL, description="true: each record fully nested.")
FULL_SAL = OpenApiParameter(
    "full",
    OpenApiTypes.BOOL,
    description="true: each service_at_location with its service's organization nested.",
)
FULL_SERVICE = OpenApiParameter(
    "full_service", OpenApiTypes.BOOL, description="true: the organization's services fully nested."
)
POSTCODE = OpenApiParameter(
    "postcode",
    {"type": "string", "pattern": "^[0-9]{6}$"},
    description="Only places with this postcode; with proximity, places within that many metres of its centroid.",
)
PROXIMITY_M = OpenApiParameter(
    "proximity",
    {"type": "integer", "minimum": 1, "maximum": MAX_PROXIMITY_M},
    description="Metres from the centroid of postcode (only with postcode).",
)
NDJSON_SCHEMA = {
    "type": "string",
    "description": "format=ndjson: one JSON record a line, every record, unpaged.",
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "extra": {"type": "object", "additionalProperties": True}},
    "required": ["message", "extra"],
}


LIST_RESPONSES = {
    (200, "application/json"): PAGE_SCHEMA,
    (200, NDJSON): NDJSON_SCHEMA,
    (400, "application/json"): ERROR_SCHEMA,
}


MINIMAL_SCHEMA = {
    "type": "array",
    "description": "minimal=true: every service's id and last_modified, unpaged.",
    "items": {
        "type": "object",
        "properties": {"id": {"type": "string", "format": "uuid"}, "last_modified": {"type": "string"}},
        "required": ["id", "last_modified"],
    },
}
SERVICE_LIST_RESPONSES = {
    **LIST_RESPONSES,
    (200, "application/json"): {"oneOf": [PAGE_SCHEMA, MINIMAL_SCHEMA]},
}


def _checked(parse, *args, **kwargs):
    try:
        return parse(*args, **kwargs)
    except validation.BadInput as error:
        raise ValidationError({error.name: [error.message]}) from None


def _positive_int(params, name: str, default: int) -> int:
    # Present but empty is refused too: the schema says a whole number.
    if name in params and not params[name].strip():
        raise ValidationError({name: [BAD_INTEGER % {"name": name}]})
    try:
        return validation.bounded_int(
            params.get(name), name=name, min_value=1, max_value=MAX_PAGE, default=default
        )
    except validation.BadInput:
        raise ValidationError({name: [BAD_INTEGER % {"name": name}]}) from None


def _search(params) -> str:
    return _checked(validation.clean_text_param, params.get("search"), name="search")


def _uuid(params, name: str) -> uuid.UUID | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise ValidationError({name: [BAD_UUID % {"name": name}]}) from None


def _modified_after(params) -> dt.datetime | None:
    try:
        return validation.parse_datetime_param(params.get("modified_after"), name="modified_after")
    except validation.BadInput as error:
        message = BAD_DATETIME if error.template is validation.BAD_DATETIME else error.message
        raise ValidationError({"modified_after": [message]}) from None


def _proximity(params) -> tuple[float, float, float] | None:
    lat, lng, radius = params.get("lat"), params.get("lng"), params.get("radius")
    if lat in (None, "") and lng in (None, ""):
        if radius not in (None, ""):
            raise ValidationError({"radius": [BAD_RADIUS]})
        return None
    try:
        lat_v, lng_v = float(lat), float(lng)
    except (TypeError, ValueError):
        raise ValidationError({"lat": [BAD_PROXIMITY]}) from None
    if not (-90 <= lat_v <= 90 and -180 <= lng_v <= 180):
        raise ValidationError({"lat": [BAD_PROXIMITY]})
    try:
        radius_v = float(radius) if radius not in (None, "") else DEFAULT_RADIUS_KM
    except ValueError:
        raise ValidationError({"radius": [BAD_RADIUS]}) from None
    if not 0 < radius_v <= MAX_RADIUS_KM:  # NaN fails this too
        raise ValidationError({"radius": [BAD_RADIUS]})
    return lat_v, lng_v, radius_v


def _boolean(params, name: str) -> bool:
    raw = params.get(name)
    if raw in (None, ""):
        return False
    if raw.lower() not in ("true", "false"):
        raise ValidationError({name: [BAD_BOOLEAN % {"name": name}]})
    return raw.lower() == "true"


def _ndjson_wanted(params) -> bool:
    raw = params.get("format", "json")
    if raw not in ("json", "ndjson"):
        raise ValidationError({"format": [BAD_FORMAT]})
    return raw == "ndjson"


def _postcode_area(params) -> tuple[str, tuple[float, float, float] | None] | None:
    """(postcode, (lat, lng, km) around its centroid when proximity is given), or None."""
    postcode, metres = params.get("postcode", ""), params.get("proximity", "")
    if not postcode:
        if metres:
            raise ValidationError({"proximity": [PROXIMITY_NEEDS_POSTCODE]})
        return None
    if not re.fullmatch(r"\d{6}", postcode):
        raise ValidationError({"postcode": [BAD_POSTCODE]})
    if not metres:
        return postcode, None
    try:
        distance = validation.bounded_int(metres, name="proximity", min_value=1, max_value=MAX_PROXIMITY_M)
    except validation.BadInput:
        distance = None
    if distance is None:
        raise ValidationError({"proximity": [BAD_METRES]})
    # The postcode's centroid: the mean of our places with that postcode (we keep no postcode areas).
    centre = ServicePoint.objects.filter(postal_code=postcode, is_active=True).aggregate(
        lat=Avg("latitude"), lng=Avg("longitude")
    )
    if centre["lat"] is None:
        return postcode, (0.0, 0.0, -1.0)  # no place of ours has it: nothing is near it
    return postcode, (float(centre["lat"]), float(centre["lng"]), distance / 1000)


def ndjson_response(rows: Iterable, render: Callable) -> StreamingHttpResponse:
    """Every record, one JSON object a line, read from the database in chunks (never one page)."""

    def lines():
        for row in rows:
            yield json.dumps(render(row), ensure_ascii=False, cls=DjangoJSONEncoder) + "\n"

    return StreamingHttpResponse(lines(), content_type=NDJSON)


def _rows(queryset: QuerySet | list) -> Iterable:
    return queryset.iterator(chunk_size=NDJSON_CHUNK) if isinstance(queryset, QuerySet) else queryset


def _within(lat: float, lng: float, radius: float, *, prefix: str = "") -> tuple[Q, object]:
    box = geo.bounding_box(lat, lng, radius)
    q = Q(
        **{
            f"{prefix}latitude__range": (box.min_lat, box.max_lat),
            f"{prefix}longitude__range": (box.min_lng, box.max_lng),
            f"{prefix}is_active": True,
        }
    )
    return q, geo.distance_expression(lat, lng, lat_field=f"{prefix}latitude", lng_field=f"{prefix}longitude")


def page_data(request: Request, queryset: QuerySet | list, render) -> dict:
    """The HSDS page object. Two queries for a queryset: the count and the page."""
    page_number = _positive_int(request.query_params, "page", 1)
    per_page = min(_positive_int(request.query_params, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
    total = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    total_pages = max(1, math.ceil(total / per_page))
    start = (page_number - 1) * per_page
    rows = list(queryset[start : start + per_page]) if start < total else []
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(rows),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not rows,
        "contents": [render(row) for row in rows],
    }


def paginate(request: Request, queryset: QuerySet | list, render) -> Response:
    return Response(page_data(request, queryset, render))


# Lists asked with only these parameters (short values) are kept in core.public_cache until the
# catalogue changes; a search, a date or a place is worked out each time (unbounded keys).
CACHED_PARAMS = frozenset({"page", "per_page", "taxonomy_term_id", "organization_id"})
CACHED_VALUE_LENGTH = 40


def cached_page(request: Request, name: str, compute) -> Response:
    """Response(compute()), from the cache when the parameters allow (CACHED_PARAMS).

    Only what is worked out each time is read on the replica (core.db_router): a value cached
    from a replica a moment behind would be kept under the new generation until the next change."""
    params = sorted(request.query_params.lists())
    if all(
        key in CACHED_PARAMS and all(len(value) <= CACHED_VALUE_LENGTH for value in values)
        for key, values in params
    ):
        key = f"hsds:{name}:{get_language()}:{urlencode(params, doseq=True)}"
        return Response(public_cache.cached(selectors.CATALOGUE, key, compute))
    return Response(read_from_replica(compute)())


class _NoFormatOverride:
    """DRF's settings, except that `?format=` does not pick a renderer: in HSDS it is the standard's
    own parameter (json or ndjson), read by the views."""

    def __getattr__(self, name: str):
        return None if name == "URL_FORMAT_OVERRIDE" else getattr(api_settings, name)


class HSDSContentNegotiation(DefaultContentNegotiation):
    settings = _NoFormatOverride()  # type: ignore[assignment]  # a stand-in with one answer changed


class PublicAPIView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    content_negotiation_class = HSDSContentNegotiation
    # The query parameters this path answers (openapi.json's, and our extensions); any other is a 400.
    parameters: frozenset[str] = frozenset()

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        unknown = sorted(set(request.query_params) - self.parameters)
        if unknown:
            allowed = ", ".join(sorted(self.parameters)) or "no parameters"
            raise ValidationError(
                {name: [NOT_A_PARAMETER % {"name": name, "allowed": allowed}] for name in unknown}
            )

    def list_response(
        self, request: Request, name: str, queryset, render, compute
    ) -> Response | StreamingHttpResponse:
        """ndjson streams `queryset` whole; json answers compute()'s page (cached where it may be)."""
        if _ndjson_wanted(request.query_params):
            if "page" in request.query_params or "per_page" in request.query_params:
                raise ValidationError(
                    {"format": ["format=ndjson streams every record: it takes no page or per_page."]}
                )
            return ndjson_response(_rows(queryset), render)
        return cached_page(request, name, compute)


PAGED = frozenset({"page", "per_page", "format", "search"})


class RootView(PublicAPIView):
    @extend_schema(operation_id="hsds_root", responses={200: OBJECT_SCHEMA}, tags=["HSDS"])
    def get(self, request: Request) -> Response:
        return Response(
            {
                "version": hsds.HSDS_VERSION,
                "profile": hsds.HSDS_PROFILE,
                "openapi_url": request.build_absolute_uri(reverse("api-schema")),
            }
        )


class ServiceListView(PublicAPIView):
    parameters = PAGED | {
        "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "minimal", "full",
        "lat", "lng", "radius",
    }  # fmt: skip

    @extend_schema(
        operation_id="hsds_services_list",
        parameters=[*PAGING, FORMAT, TERM, TAXONOMY, ORGANIZATION, MODIFIED, MINIMAL, FULL, *PROXIMITY],
        responses=SERVICE_LIST_RESPONSES,
        tags=["HSDS"],
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        params = request.query_params
        if _boolean(params, "minimal"):
            if {"page", "per_page", "full", "format"} & set(params):
                raise ValidationError({"minimal": [MINIMAL_ALONE]})
            return Response(
                [{"id": str(row["uuid"]), "last_modified": row["updated_at"].isoformat()}
                 for row in self.services(request).values("uuid", "updated_at")]
            )  # fmt: skip
        full = _boolean(params, "full")
        render = hsds.service_full if full else hsds.service_brief
        services = self.services(request)
        if full:
            services = services.prefetch_related(selectors.hsds_service_places())
        return self.list_response(
            request, "services", services, render, lambda: page_data(request, services, render)
        )

    def services(self, request: Request) -> QuerySet[Service]:
        params = request.query_params
        services = selectors.hsds_services()
        if search := _search(params):
            services = services.filter(Q(name__icontains=search) | Q(description__icontains=search))
        if term := _uuid(params, "taxonomy_term_id"):
            services = services.filter(scenario__uuid=term)
        if (taxonomy := _uuid(params, "taxonomy_id")) and taxonomy != hsds.TAXONOMY_ID:
            services = services.none()  # every service has a term of our one taxonomy, none of another
        if org := _uuid(params, "organization_id"):
            services = services.filter(organization__uuid=org)
        if after := _modified_after(params):
            services = services.filter(updated_at__gte=after)
        if near := _proximity(params):
            within, distance = _within(*near, prefix="point__")
            services = services.filter(
                Exists(
                    ServiceAtPoint.objects.filter(within, service=OuterRef("pk"))
                    .annotate(distance_km=distance)
                    .filter(distance_km__lte=near[2])
                )
            )
        return services


class ServiceDetailView(PublicAPIView):
    @extend_schema(
        operation_id="hsds_services_retrieve",
        responses={200: OBJECT_SCHEMA, 404: ERROR_SCHEMA},
        tags=["HSDS"],
    )
    def get(self, request: Request, service_id: uuid.UUID) -> Response:
        try:
            service = selectors.hsds_service_detail().get(uuid=service_id)
        except Service.DoesNotExist:
            raise Http404 from None
        return Response(hsds.service_full(service))


def _with_services(organizations: QuerySet[Organization], *, full_service: bool) -> QuerySet[Organization]:
    services = selectors.hsds_service_detail() if full_service else selectors.hsds_services()
    return organizations.prefetch_related(Prefetch("services", queryset=services, to_attr="listed_services"))


def _listed_services(org: Organization) -> list[Service]:
    # Set by _with_services's Prefetch(to_attr=...), which the model's type does not know of.
    return org.__dict__["listed_services"]


def _organization_render(*, full: bool, full_service: bool) -> Callable[[Organization], dict]:
    if not (full or full_service):
        return hsds.organization
    return lambda org: hsds.organization(org, services=_listed_services(org), full_service=full_service)


class OrganizationListView(PublicAPIView):
    parameters = PAGED | {"modified_after", "full", "full_service"}

    @extend_schema(
        operation_id="hsds_organizations_list",
        parameters=[*PAGING, FORMAT, MODIFIED, FULL, FULL_SERVICE],
        responses=LIST_RESPONSES,
        tags=["HSDS"],
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        params = request.query_params
        full, full_service = _boolean(params, "full"), _boolean(params, "full_service")
        organizations = selectors.hsds_organizations()
        if search := _search(params):
            organizations = organizations.filter(Q(name__icontains=search) | Q(description__icontains=search))
        if after := _modified_after(params):
            organizations = organizations.filter(updated_at__gte=after)
        if full or full_service:
            organizations = _with_services(organizations, full_service=full_service)
        render = _organization_render(full=full, full_service=full_service)
        return self.list_response(
            request, "organizations", organizations, render, lambda: page_data(request, organizations, render)
        )


class OrganizationDetailView(PublicAPIView):
    parameters = frozenset({"full_service"})

    @extend_schema(
        operation_id="hsds_organizations_retrieve",
        parameters=[FULL_SERVICE],
        responses={200: OBJECT_SCHEMA, 400: ERROR_SCHEMA, 404: ERROR_SCHEMA},
        tags=["HSDS"],
    )
    def get(self, request: Request, organization_id: uuid.UUID) -> Response:
        full_service = _boolean(request.query_params, "full_service")
        try:
            org = _with_services(selectors.hsds_organizations(), full_service=full_service).get(
                uuid=organization_id
            )
        except Organization.DoesNotExist:
            raise Http404 from None
        return Response(hsds.organization(org, services=_listed_services(org), full_service=full_service))


class ServiceAtLocationListView(PublicAPIView):
    parameters = PAGED | {
        "taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "full", "postcode",
        "proximity", "lat", "lng", "radius",
    }  # fmt: skip

    @extend_schema(
        operation_id="hsds_service_at_locations_list",
        parameters=[
            *PAGING,
            FORMAT,
            TERM,
            TAXONOMY,
            ORGANIZATION,
            MODIFIED,
            FULL_SAL,
            POSTCODE,
            PROXIMITY_M,
            *PROXIMITY,
        ],
        responses=LIST_RESPONSES,
        tags=["HSDS"],
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        rows, render = self.rows(request)
        return self.list_response(
            request, "service_at_locations", rows, render, lambda: page_data(request, rows, render)
        )

    def rows(self, request: Request) -> tuple[QuerySet[ServiceAtPoint], Callable]:
        params = request.query_params
        full = _boolean(params, "full")
        rows = selectors.hsds_service_at_locations().filter(point__is_active=True)
        if search := _search(params):
            rows = rows.filter(Q(service__name__icontains=search) | Q(point__name__icontains=search))
        if term := _uuid(params, "taxonomy_term_id"):
            rows = rows.filter(service__scenario__uuid=term)
        if (taxonomy := _uuid(params, "taxonomy_id")) and taxonomy != hsds.TAXONOMY_ID:
            rows = rows.none()
        if org := _uuid(params, "organization_id"):
            rows = rows.filter(service__organization__uuid=org)
        if after := _modified_after(params):
            rows = rows.filter(
                Q(updated_at__gte=after) | Q(service__updated_at__gte=after) | Q(point__updated_at__gte=after)
            )
        near = _proximity(params)
        if area := _postcode_area(params):
            postcode, around = area
            if near is not None:
                raise ValidationError(
                    {"postcode": ["postcode and lat/lng are two ways to say where: give one."]}
                )
            if around is None:
                rows = rows.filter(point__postal_code=postcode)
            near = around
        if near is not None:
            within, distance = _within(*near, prefix="point__")
            rows = rows.filter(within).annotate(distance_km=distance).filter(distance_km__lte=near[2])
            rows = rows.order_by("distance_km", "id")
            return rows, lambda at: hsds.service_at_location(at, distance_km=at.distance_km, full=full)
        return rows, lambda at: hsds.service_at_location(at, full=full)


class ServiceAtLocationDetailView(PublicAPIView):
    @extend_schema(
        operation_id="hsds_service_at_locations_retrieve",
        responses={200: OBJECT_SCHEMA, 404: ERROR_SCHEMA},
        tags=["HSDS"],
    )
    def get(self, request: Request, sal_id: uuid.UUID) -> Response:
        try:
            at = selectors.hsds_service_at_locations().get(uuid=sal_id)
        except ServiceAtPoint.DoesNotExist:
            raise Http404 from None
        return Response(hsds.service_at_location(at))


class TaxonomyListView(PublicAPIView):
    parameters = PAGED

    @extend_schema(
        operation_id="hsds_taxonomies_list",
        parameters=[*PAGING, FORMAT],
        responses=LIST_RESPONSES,
        tags=["HSDS"],
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        # One taxonomy: the ten friendly scenarios.
        search = _search(request.query_params)
        found = [hsds.TAXONOMY_ID] if not search or search.casefold() in hsds.TAXONOMY_NAME.casefold() else []
        render = lambda _id: hsds.taxonomy()  # noqa: E731
        return self.list_response(
            request, "taxonomies", found, render, lambda: page_data(request, found, render)
        )


class TaxonomyDetailView(PublicAPIView):
    @extend_schema(
        operation_id="hsds_taxonomies_retrieve",
        responses={200: OBJECT_SCHEMA, 404: ERROR_SCHEMA},
        tags=["HSDS"],
    )
    def get(self, request: Request, taxonomy_id: uuid.UUID) -> Response:
        if taxonomy_id != hsds.TAXONOMY_ID:
            raise Http404
        return Response(hsds.taxonomy())


class TaxonomyTermListView(PublicAPIView):
    parameters = PAGED | {"taxonomy_id", "top_only", "parent_id"}

    @extend_schema(
        operation_id="hsds_taxonomy_terms_list",
        parameters=[
            *PAGING,
            FORMAT,
            OpenApiParameter("taxonomy_id", OpenApiTypes.UUID, description="Only terms of this taxonomy."),
            OpenApiParameter(
                "top_only", OpenApiTypes.BOOL, description="Only terms without a parent (all of ours are)."
            ),
            OpenApiParameter(
                "parent_id", OpenApiTypes.UUID, description="Only the children of this term (ours have none)."
            ),
        ],
        responses=LIST_RESPONSES,
        tags=["HSDS"],
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        params = request.query_params
        terms = Scenario.objects.filter(is_active=True).order_by("order", "id")
        if search := _search(params):
            terms = terms.filter(Q(name_zh__icontains=search) | Q(name_en__icontains=search))
        taxonomy_id = _uuid(params, "taxonomy_id")
        if taxonomy_id is not None and taxonomy_id != hsds.TAXONOMY_ID:
            terms = terms.none()
        _boolean(params, "top_only")  # checked; every term of ours is a top term, so it changes nothing
        if _uuid(params, "parent_id") is not None:
            terms = terms.none()  # the scenarios are one flat level: no term has children
        return self.list_response(
            request,
            "taxonomy_terms",
            terms,
            hsds.taxonomy_term,
            lambda: page_data(request, terms, hsds.taxonomy_term),
        )


class TaxonomyTermDetailView(PublicAPIView):
    @extend_schema(
        operation_id="hsds_taxonomy_terms_retrieve",
        responses={200: OBJECT_SCHEMA, 404: ERROR_SCHEMA},
        tags=["HSDS"],
    )
    def get(self, request: Request, term_id: uuid.UUID) -> Response:
        try:
            return Response(hsds.taxonomy_term(Scenario.objects.get(uuid=term_id, is_active=True)))
        except Scenario.DoesNotExist:
            raise Http404 from None
