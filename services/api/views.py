"""HSDS 3.0 read API: public, paginated with the standard's page object."""

from __future__ import annotations

import datetime as dt
import math
import uuid

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import public_cache, validation
from core.db_router import read_from_replica
from core.openapi import DATETIME_PARAMETER, TEXT_PARAMETER
from services import geo, selectors
from services.api import hsds
from services.models import Organization, Scenario, Service, ServiceAtPoint

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
DEFAULT_RADIUS_KM = 5.0
MAX_RADIUS_KM = 100.0

MAX_PAGE = 1_000_000
BAD_INTEGER = f"%(name)s must be a whole number from 1 to {MAX_PAGE:,}."
BAD_UUID = "%(name)s must be a UUID."
BAD_DATETIME = "modified_after must be an ISO 8601 date or date-time, e.g. 2026-03-01T08:00:00+08:00."
BAD_PROXIMITY = "lat and lng must be given together, as decimal degrees (WGS-84); radius in km, at most 100."

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
        return None
    try:
        values = float(lat), float(lng), float(radius) if radius not in (None, "") else DEFAULT_RADIUS_KM
    except (TypeError, ValueError):
        raise ValidationError({"lat": [BAD_PROXIMITY]}) from None
    lat_v, lng_v, radius_v = values
    if not (-90 <= lat_v <= 90 and -180 <= lng_v <= 180 and 0 < radius_v <= MAX_RADIUS_KM):
        raise ValidationError({"lat": [BAD_PROXIMITY]})
    return values


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


class PublicAPIView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)


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
    @extend_schema(
        operation_id="hsds_services_list",
        parameters=[*PAGING, TERM, ORGANIZATION, MODIFIED, *PROXIMITY],
        responses={200: PAGE_SCHEMA},
        tags=["HSDS"],
    )
    def get(self, request: Request) -> Response:
        return cached_page(request, "services", lambda: self.page(request))

    def page(self, request: Request) -> dict:
        params = request.query_params
        services = selectors.hsds_services()
        if search := _search(params):
            services = services.filter(Q(name__icontains=search) | Q(description__icontains=search))
        if term := _uuid(params, "taxonomy_term_id"):
            services = services.filter(scenario__uuid=term)
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
        return page_data(request, services, hsds.service_brief)


class ServiceDetailView(PublicAPIView):
    @extend_schema(operation_id="hsds_services_retrieve", responses={200: OBJECT_SCHEMA}, tags=["HSDS"])
    def get(self, request: Request, service_id: uuid.UUID) -> Response:
        try:
            service = selectors.hsds_service_detail().get(uuid=service_id)
        except Service.DoesNotExist:
            raise Http404 from None
        return Response(hsds.service_full(service))


class OrganizationListView(PublicAPIView):
    @extend_schema(
        operation_id="hsds_organizations_list",
        parameters=[*PAGING, MODIFIED],
        responses={200: PAGE_SCHEMA},
        tags=["HSDS"],
    )
    def get(self, request: Request) -> Response:
        return cached_page(request, "organizations", lambda: self.page(request))

    def page(self, request: Request) -> dict:
        organizations = selectors.hsds_organizations()
        if search := _search(request.query_params):
            organizations = organizations.filter(Q(name__icontains=search) | Q(description__icontains=search))
        if after := _modified_after(request.query_params):
            organizations = organizations.filter(updated_at__gte=after)
        return page_data(request, organizations, hsds.organization)


class OrganizationDetailView(PublicAPIView):
    @extend_schema(operation_id="hsds_organizations_retrieve", responses={200: OBJECT_SCHEMA}, tags=["HSDS"])
    def get(self, request: Request, organization_id: uuid.UUID) -> Response:
        services = selectors.hsds_services()
        try:
            org = (
                selectors.hsds_organizations()
                .prefetch_related(Prefetch("services", queryset=services, to_attr="listed_services"))
                .get(uuid=organization_id)
            )
        except Organization.DoesNotExist:
            raise Http404 from None
        return Response(hsds.organization(org, services=org.listed_services))


class ServiceAtLocationListView(PublicAPIView):
    @extend_schema(
        operation_id="hsds_service_at_locations_list",
        parameters=[*PAGING, TERM, ORGANIZATION, MODIFIED, *PROXIMITY],
        responses={200: PAGE_SCHEMA},
        tags=["HSDS"],
    )
    def get(self, request: Request) -> Response:
        return cached_page(request, "service_at_locations", lambda: self.page(request))

    def page(self, request: Request) -> dict:
        params = request.query_params
        rows = selectors.hsds_service_at_locations().filter(point__is_active=True)
        if search := _search(params):
            rows = rows.filter(Q(service__name__icontains=search) | Q(point__name__icontains=search))
        if term := _uuid(params, "taxonomy_term_id"):
            rows = rows.filter(service__scenario__uuid=term)
        if org := _uuid(params, "organization_id"):
            rows = rows.filter(service__organization__uuid=org)
        if after := _modified_after(params):
            rows = rows.filter(
                Q(updated_at__gte=after) | Q(service__updated_at__gte=after) | Q(point__updated_at__gte=after)
            )
        if near := _proximity(params):
            within, distance = _within(*near, prefix="point__")
            rows = rows.filter(within).annotate(distance_km=distance).filter(distance_km__lte=near[2])
            rows = rows.order_by("distance_km", "id")
            return page_data(
                request, rows, lambda at: hsds.service_at_location(at, distance_km=at.distance_km)
            )
        return page_data(request, rows, hsds.service_at_location)


class ServiceAtLocationDetailView(PublicAPIView):
    @extend_schema(
        operation_id="hsds_service_at_locations_retrieve", responses={200: OBJECT_SCHEMA}, tags=["HSDS"]
    )
    def get(self, request: Request, sal_id: uuid.UUID) -> Response:
        try:
            at = selectors.hsds_service_at_locations().get(uuid=sal_id)
        except ServiceAtPoint.DoesNotExist:
            raise Http404 from None
        return Response(hsds.service_at_location(at))


class TaxonomyListView(PublicAPIView):
    @extend_schema(
        operation_id="hsds_taxonomies_list",
        parameters=PAGING[:2],
        responses={200: PAGE_SCHEMA},
        tags=["HSDS"],
    )
    def get(self, request: Request) -> Response:
        # One taxonomy: the ten friendly scenarios.
        return paginate(request, [hsds.TAXONOMY_ID], lambda _id: hsds.taxonomy())


class TaxonomyTermListView(PublicAPIView):
    @extend_schema(
        operation_id="hsds_taxonomy_terms_list",
        parameters=[
            *PAGING,
            OpenApiParameter("taxonomy_id", OpenApiTypes.UUID, description="Only terms of this taxonomy."),
        ],
        responses={200: PAGE_SCHEMA},
        tags=["HSDS"],
    )
    def get(self, request: Request) -> Response:
        terms = Scenario.objects.filter(is_active=True).order_by("order", "id")
        if search := _search(request.query_params):
            terms = terms.filter(Q(name_zh__icontains=search) | Q(name_en__icontains=search))
        taxonomy_id = _uuid(request.query_params, "taxonomy_id")
        if taxonomy_id is not None and taxonomy_id != hsds.TAXONOMY_ID:
            terms = terms.none()
        return paginate(request, terms, hsds.taxonomy_term)
