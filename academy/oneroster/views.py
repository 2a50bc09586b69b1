"""OneRoster 1.2 rostering (read) at /ims/oneroster/rostering/v1p2/: same OAuth 2.0 clients,
same university scoping as /api/v1/, errors as imsx_StatusInfo."""

from typing import cast
from urllib.parse import urlencode

from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.api.oauth import (
    ONEROSTER_CORE_READ,
    ONEROSTER_READ,
    READ,
    ClientRateThrottle,
    HasUniversityScope,
    UniversityClientAuthentication,
    university_of,
)
from academy.oneroster import ids, query
from academy.oneroster.resources import RESOURCES, Resource
from core.outage import UNAVAILABLE
from core.typing import StrOrPromise

UNKNOWN_OBJECT = _("There is no %(type)s with sourcedId “%(id)s”.")


LINKED_PARAMETERS = ("filter", "sort", "orderBy", "fields")


def bad_input(request, error) -> JsonResponse:
    """imsx_StatusInfo for input refused before the view (core.validation)."""
    return JsonResponse(status_info(error.message, "invalid_data"), status=400)


def status_info(description: StrOrPromise, code_minor: str) -> dict:
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": str(description),
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code_minor}
            ]
        },
    }


def outage_error(request) -> JsonResponse:
    """imsx_StatusInfo while Redis is down (core.outage)."""
    return JsonResponse(status_info(UNAVAILABLE, "server_busy"), status=503)


def exception_handler(exc, context):
    """Every error of these endpoints in the OneRoster shape (core.api keeps {message, extra} elsewhere)."""
    if isinstance(exc, query.QueryError):
        return Response(status_info(exc.message, exc.code_minor), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if exc.args else None)
    if not isinstance(exc, exceptions.APIException):
        return None
    code_minor = {
        401: "unauthorisedrequest",
        403: "forbidden",
        404: "unknownobject",
        405: "invalid_data",
        429: "server_busy",
    }.get(exc.status_code, "invalid_data")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    response = Response(status_info(detail, code_minor), status=exc.status_code)
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response


class OneRosterView(APIView):
    authentication_classes = [UniversityClientAuthentication]
    permission_classes = [HasUniversityScope]
    throttle_classes = [ClientRateThrottle]
    # The official OpenAPI's security of the core reads: roster.readonly or roster-core.readonly.
    read_scopes = (READ, ONEROSTER_READ, ONEROSTER_CORE_READ)
    resource_class: type[Resource]

    def get_exception_handler(self):
        return exception_handler

    def resource(self) -> Resource:
        return self.resource_class(self.request, university_of(self.request))

    def shaped(self, resource: Resource, obj, selected: list[str] | None) -> dict:
        record = resource.record(obj)
        return {key: record[key] for key in selected} if selected else record


class CollectionView(OneRosterView):
    def get(self, request):
        resource = self.resource()
        params = request.query_params
        limit, offset = query.parse_limits(params)
        ordering = query.parse_sort(params, resource.fields)
        selected = query.parse_fields(params, resource.record_fields)
        queryset = resource.queryset()
        if params.get("filter"):
            queryset = queryset.filter(query.parse_filter(params["filter"], resource.fields))
        total = queryset.count()
        page = list(queryset.order_by(*ordering)[offset : offset + limit])
        response = Response({resource.plural: [self.shaped(resource, obj, selected) for obj in page]})
        response["X-Total-Count"] = str(total)
        response["Link"] = self.links(params, limit, offset, total)
        return response

    def links(self, params, limit: int, offset: int, total: int) -> str:
        base = self.request.build_absolute_uri(self.request.path)
        # Only the parameters this endpoint reads: anything else would only make the header longer.
        kept = {key: params[key] for key in LINKED_PARAMETERS if params.get(key)}

        def url(at: int) -> str:
            return f"{base}?{urlencode({**kept, 'limit': limit, 'offset': at})}"

        last = max(0, (total - 1) // limit * limit)
        links = [f'<{url(0)}>; rel="first"', f'<{url(last)}>; rel="last"']
        if offset + limit < total:
            links.append(f'<{url(offset + limit)}>; rel="next"')
        if offset > 0:
            links.append(f'<{url(max(0, offset - limit))}>; rel="prev"')
        return ", ".join(links)


class DetailView(OneRosterView):
    def get(self, request, sourced_id: str):
        resource = self.resource()
        selected = query.parse_fields(request.query_params, resource.record_fields)
        pk = ids.decode(resource.prefix, sourced_id)
        obj = resource.queryset().filter(pk=pk).first() if pk else None
        if obj is None:
            raise exceptions.NotFound(str(UNKNOWN_OBJECT) % {"type": resource.singular, "id": sourced_id})
        return Response({resource.singular: self.shaped(resource, obj, selected)})


ERRORS = {
    status: OpenApiResponse(OpenApiTypes.OBJECT, description="imsx_StatusInfo")
    for status in (400, 401, 403, 404, 429)
}
COLLECTION_PARAMETERS = [
    OpenApiParameter("limit", int, description="Records per page, 1 to 1000 (default 100)"),
    OpenApiParameter("offset", int, description="Records to skip"),
    OpenApiParameter("sort", str, description="Field to sort by"),
    OpenApiParameter("orderBy", str, enum=["asc", "desc"]),
    OpenApiParameter(
        "filter", str, description="e.g. status='active' AND dateLastModified>'2026-01-01T00:00:00Z'"
    ),
    OpenApiParameter("fields", str, description="Comma-separated fields to return"),
]
FIELDS_PARAMETER = [COLLECTION_PARAMETERS[-1]]


def views_for(resource_class: type[Resource]) -> tuple[type[CollectionView], type[DetailView]]:
    tag = "OneRoster 1.2 rostering"
    # Generated classes, one pair per resource; each gets its own documented get() below,
    # which mypy refuses as assigning to a method.
    collection = cast(
        type[CollectionView],
        type(
            f"{resource_class.__name__}CollectionView", (CollectionView,), {"resource_class": resource_class}
        ),
    )

    def get_collection(self, request):
        return CollectionView.get(self, request)

    collection.get = extend_schema(  # type: ignore[method-assign]
        summary=f"OneRoster getAll{resource_class.plural[0].upper()}{resource_class.plural[1:]}",
        operation_id=f"oneroster_{resource_class.plural}_list",
        parameters=COLLECTION_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
        tags=[tag],
    )(get_collection)
    detail = cast(
        type[DetailView],
        type(f"{resource_class.__name__}DetailView", (DetailView,), {"resource_class": resource_class}),
    )

    def get_detail(self, request, sourced_id: str):
        return DetailView.get(self, request, sourced_id)

    detail.get = extend_schema(  # type: ignore[method-assign]
        summary=f"OneRoster get{resource_class.singular[0].upper()}{resource_class.singular[1:]}",
        operation_id=f"oneroster_{resource_class.plural}_retrieve",
        parameters=FIELDS_PARAMETER,
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
        tags=[tag],
    )(get_detail)
    return collection, detail


VIEWS = {resource.plural: views_for(resource) for resource in RESOURCES}
