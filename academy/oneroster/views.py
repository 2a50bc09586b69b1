"""OneRoster 1.2 rostering (read) at /ims/oneroster/rostering/v1p2/: same OAuth 2.0 clients,
same university scoping as /api/v1/, errors as imsx_StatusInfo.

Every read operation of the official Rostering OpenAPI is an `Endpoint` below: a
resource (academy.oneroster.resources), the condition that narrows it (e.g. the
classes of one term), the parents its path names (which must be the
university's own, else 404 like a missing id) and the scopes the spec gives it."""

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import cast
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from academy.api import selectors as partner_selectors
from academy.api.oauth import (
    ONEROSTER_CORE_READ,
    ONEROSTER_DEMOGRAPHICS_READ,
    ONEROSTER_READ,
    READ,
    SENSITIVE,
    ClientRateThrottle,
    HasUniversityScope,
    UniversityClientAuthentication,
    has_scope,
    university_of,
)
from academy.models import University
from academy.oneroster import bulk, ids, query
from academy.oneroster.resources import (
    AcademicSessions,
    Classes,
    Courses,
    Demographics,
    Enrollments,
    Orgs,
    Resource,
    Users,
)
from core import validation
from core.db_router import read_alias_for_stream, read_from_replica
from core.outage import UNAVAILABLE
from core.typing import StrOrPromise

UNKNOWN_OBJECT = _("There is no %(type)s with sourcedId “%(id)s”.")
UNKNOWN_PATH = _("There is no OneRoster operation at “%(path)s”.")
NOT_ALLOWED_SENSITIVE = _("This client may not read demographics.")
SINCE_MISSING = _("delta.zip needs since, a date and time with its zone.")

LINKED_PARAMETERS = ("filter", "sort", "orderBy", "fields")
# Pages up to this size are built in memory; larger ones are streamed from a server-side cursor,
# so that a client asking for limit=100000 gets it without the process holding it all.
IN_MEMORY_PAGE = 1000
STREAM_CHUNK = 500

CORE_SCOPES = (READ, ONEROSTER_READ, ONEROSTER_CORE_READ)  # the spec: roster.readonly or roster-core
FULL_SCOPES = (READ, ONEROSTER_READ)  # the spec's nested collections: roster.readonly only
DEMOGRAPHICS_SCOPES = (SENSITIVE, ONEROSTER_DEMOGRAPHICS_READ)

INVALID_DATA, UNKNOWN = query.INVALID_DATA, "unknownobject"


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


def bad_input(request, error) -> JsonResponse:
    """imsx_StatusInfo for input refused before the view (core.validation)."""
    return JsonResponse(status_info(error.message, INVALID_DATA), status=400)


def outage_error(request) -> JsonResponse:
    """imsx_StatusInfo while Redis is down (core.outage)."""
    return JsonResponse(status_info(UNAVAILABLE, "server_busy"), status=503)


def unknown_path(request, path: str = "") -> JsonResponse:
    """A path under the base URL that names no operation: imsx, not Django's HTML page."""
    return JsonResponse(status_info(str(UNKNOWN_PATH) % {"path": request.path}, UNKNOWN), status=404)


CODE_MINOR = {401: "unauthorisedrequest", 403: "forbidden", 404: UNKNOWN, 429: "server_busy"}


def exception_handler(exc, context):
    """Every error of these endpoints in the OneRoster shape (core.api keeps {message, extra} elsewhere)."""
    if isinstance(exc, query.QueryError):
        return Response(status_info(exc.message, exc.code_minor), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if exc.args else None)
    if not isinstance(exc, exceptions.APIException):
        return None
    code_minor = CODE_MINOR.get(exc.status_code, INVALID_DATA)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    response = Response(status_info(detail, code_minor), status=exc.status_code)
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response


# A narrowing: (university, the path's parent keys) -> the condition on the resource's queryset.
Narrowing = Callable[..., Q]


def _everything(university: University, **parents: int) -> Q:
    return Q()


def _constant(lookup: str, value: str) -> Narrowing:
    """schools are orgs of type school, terms sessions of type term, teachers users of role teacher:
    a condition on the same annotation a client would filter on (an empty set where we have none)."""

    def narrowing(university: University, **parents: int) -> Q:
        return Q(**{lookup: value})

    return narrowing


def _students_of_class(university: University, *, class_pk: int, **parents: int) -> Q:
    visible = partner_selectors.visible_enrolments(university=university)
    return Q(Exists(visible.filter(worker=OuterRef("pk"), offering_id=class_pk)))


def _classes_of_user(university: University, *, user_pk: int, **parents: int) -> Q:
    visible = partner_selectors.visible_enrolments(university=university)
    return Q(Exists(visible.filter(offering=OuterRef("pk"), worker_id=user_pk)))


def _by(lookup: str, parent: str) -> Narrowing:
    def narrowing(university: University, **parents: int) -> Q:
        return Q(**{lookup: parents[parent]})

    return narrowing


@dataclass(frozen=True)
class Parent:
    kwarg: str  # the path's name, e.g. classSourcedId
    key: str  # its key for the narrowing, e.g. class_pk
    resource: type[Resource]
    narrowing: Narrowing = _everything  # e.g. a teacher must be a user of role teacher


@dataclass(frozen=True)
class Endpoint:
    route: str
    operation: str  # the official operationId
    resource: type[Resource]
    narrowing: Narrowing = _everything
    parents: tuple[Parent, ...] = ()
    scopes: tuple[str, ...] = CORE_SCOPES
    single: bool = False


class OneRosterView(APIView):
    authentication_classes = [UniversityClientAuthentication]
    permission_classes = [HasUniversityScope]
    throttle_classes = [ClientRateThrottle]
    endpoint: Endpoint

    @property
    def read_scopes(self) -> tuple[str, ...]:  # read by HasUniversityScope
        return self.endpoint.scopes

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.endpoint.resource is Demographics and not request.auth.api_client.can_read_sensitive:
            # A token keeps its scopes; the client's switch, turned off since, still decides.
            raise exceptions.PermissionDenied(NOT_ALLOWED_SENSITIVE)

    def scoped(self, university: University, resource: Resource, kwargs: dict[str, str]):
        """The resource's queryset narrowed by the endpoint, once each parent was found to be ours."""
        keys: dict[str, int] = {}
        for parent in self.endpoint.parents:
            owner = parent.resource(self.request, university)
            sourced_id = kwargs[parent.kwarg]
            pk = ids.decode(owner.prefix, sourced_id)
            found = (
                pk is not None
                and owner.queryset().filter(parent.narrowing(university), pk=pk).order_by().exists()
            )
            if not found:
                raise exceptions.NotFound(str(UNKNOWN_OBJECT) % {"type": owner.singular, "id": sourced_id})
            keys[parent.key] = cast(int, pk)
        return resource.queryset().filter(self.endpoint.narrowing(university, **keys))

    @staticmethod
    def shaped(resource: Resource, obj, selected: list[str] | None) -> dict:
        record = resource.record(obj)
        return {key: record[key] for key in selected if key in record} if selected else record


def reversed_ordering(ordering: list[str]) -> list[str]:
    """The exact reverse of a total order (parse_sort always ends it with the key). PostgreSQL
    puts NULLs last ascending and first descending, so flipping each term reverses NULLs too."""
    return [term.removeprefix("-") if term.startswith("-") else f"-{term}" for term in ordering]


def page_keys(
    queryset: QuerySet, ordering: list[str], offset: int, limit: int, total: int
) -> QuerySet | None:
    """The keys of the page at `offset`, or None for a page past the end (no statement at all).

    OFFSET makes PostgreSQL walk every row it skips, so a page in the back half is taken from
    the other end: the same rows are the first `size` after skipping `tail` in the reversed
    order, and the last page costs what the first does. The walk is then at most half the
    collection (the middle page). The outer query sorts the page back into the asked order.
    `total` is the COUNT of the same request, another statement: a row written between the two
    moves this page by that row, as it moves any offset page."""
    if offset >= total:
        return None
    size = min(limit, total - offset)
    tail = total - offset - size  # rows after this page
    if tail < offset:
        return queryset.order_by(*reversed_ordering(ordering)).values("pk")[tail : tail + size]
    return queryset.order_by(*ordering).values("pk")[offset : offset + limit]


class CollectionView(OneRosterView):
    @read_from_replica
    def get(self, request, **kwargs):
        university = university_of(request)
        resource = self.endpoint.resource(request, university)
        params = request.query_params
        limit, offset = query.parse_limits(params)
        ordering = query.parse_sort(params, resource.fields)
        selected = query.parse_fields(params, resource.record_fields)
        condition = query.parse_filter(params["filter"], resource.fields) if params.get("filter") else Q()
        queryset = self.scoped(university, resource, kwargs).filter(condition)
        total = queryset.count()
        page = queryset.order_by(*ordering)[offset : offset + limit]
        response: Response | StreamingHttpResponse
        if limit <= IN_MEMORY_PAGE:
            # The page's keys first, by a lean subquery (no joins for the record, no annotation it
            # does not sort or filter on), then only those rows in full: skipping rows to a deep
            # offset then costs an index walk, not every skipped record's joins and annotations.
            keys = page_keys(queryset, ordering, offset, limit, total)
            records = []
            if keys is not None:
                page = queryset.filter(pk__in=keys).order_by(*ordering)
                records = [self.shaped(resource, obj, selected) for obj in page]
            response = Response({resource.plural: records})
        else:
            # The stream is read after this method returns, outside read_from_replica: it asks
            # for its alias now, as the roster export does (core.db_router.read_alias_for_stream).
            rows = page.using(read_alias_for_stream()).iterator(chunk_size=STREAM_CHUNK)
            response = StreamingHttpResponse(
                self.streamed(resource, rows, selected),
                content_type="application/json",
            )
        response["X-Total-Count"] = str(total)
        response["Link"] = self.links(params, limit, offset, total)
        return response

    def streamed(self, resource: Resource, rows: Iterator, selected: list[str] | None) -> Iterator[bytes]:
        yield f'{{"{resource.plural}":['.encode()
        for number, obj in enumerate(rows):
            record = json.dumps(
                self.shaped(resource, obj, selected), ensure_ascii=False, separators=(",", ":")
            )
            yield (("," if number else "") + record).encode()
        yield b"]}"

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
    def get(self, request, sourcedId: str):  # the spec names the path parameter sourcedId
        university = university_of(request)
        resource = self.endpoint.resource(request, university)
        selected = query.parse_fields(request.query_params, resource.record_fields)
        pk = ids.decode(resource.prefix, sourcedId)
        queryset = self.scoped(university, resource, {})
        obj = queryset.filter(pk=pk).first() if pk else None
        if obj is None:
            raise exceptions.NotFound(str(UNKNOWN_OBJECT) % {"type": resource.singular, "id": sourcedId})
        return Response({resource.singular: self.shaped(resource, obj, selected)})


SCHOOL = Parent("schoolSourcedId", "school_pk", Orgs, _constant("or_type", "school"))
CLASS = Parent("classSourcedId", "class_pk", Classes)
STUDENT = Parent("studentSourcedId", "user_pk", Users, _constant("or_role", "student"))
TEACHER = Parent("teacherSourcedId", "user_pk", Users, _constant("or_role", "teacher"))
TERM = Parent("termSourcedId", "term_pk", AcademicSessions, _constant("or_type", "term"))
USER = Parent("userSourcedId", "user_pk", Users)
COURSE = Parent("courseSourcedId", "course_pk", Courses)

schools, terms = _constant("or_type", "school"), _constant("or_type", "term")
grading_periods = _constant("or_type", "gradingPeriod")
students, teachers = _constant("or_role", "student"), _constant("or_role", "teacher")

# The official Rostering OpenAPI's 41 read operations, in its order.
ENDPOINTS = [
    Endpoint("academicSessions", "getAllAcademicSessions", AcademicSessions),
    Endpoint("academicSessions/<str:sourcedId>", "getAcademicSession", AcademicSessions, single=True),
    Endpoint("classes", "getAllClasses", Classes),
    Endpoint(
        "classes/<str:classSourcedId>/students",
        "getStudentsForClass",
        Users,
        _students_of_class,
        (CLASS,),
        FULL_SCOPES,
    ),
    Endpoint(
        "classes/<str:classSourcedId>/teachers", "getTeachersForClass", Users, teachers, (CLASS,), FULL_SCOPES
    ),
    Endpoint("classes/<str:sourcedId>", "getClass", Classes, single=True),
    Endpoint("courses", "getAllCourses", Courses),
    Endpoint(
        "courses/<str:courseSourcedId>/classes",
        "getClassesForCourse",
        Classes,
        _by("programme_id", "course_pk"),
        (COURSE,),
        FULL_SCOPES,
    ),
    Endpoint("courses/<str:sourcedId>", "getCourse", Courses, single=True),
    Endpoint("demographics", "getAllDemographics", Demographics, scopes=DEMOGRAPHICS_SCOPES),
    Endpoint(
        "demographics/<str:sourcedId>",
        "getDemographics",
        Demographics,
        scopes=DEMOGRAPHICS_SCOPES,
        single=True,
    ),
    Endpoint("enrollments", "getAllEnrollments", Enrollments),
    Endpoint("enrollments/<str:sourcedId>", "getEnrollment", Enrollments, single=True),
    Endpoint("gradingPeriods", "getAllGradingPeriods", AcademicSessions, grading_periods),
    Endpoint(
        "gradingPeriods/<str:sourcedId>", "getGradingPeriod", AcademicSessions, grading_periods, single=True
    ),
    Endpoint("orgs", "getAllOrgs", Orgs),
    Endpoint("orgs/<str:sourcedId>", "getOrg", Orgs, single=True),
    Endpoint("schools", "getAllSchools", Orgs, schools),
    Endpoint(
        "schools/<str:schoolSourcedId>/classes",
        "getClassesForSchool",
        Classes,
        parents=(SCHOOL,),
        scopes=FULL_SCOPES,
    ),
    Endpoint(
        "schools/<str:schoolSourcedId>/classes/<str:classSourcedId>/enrollments",
        "getEnrollmentsForClassInSchool",
        Enrollments,
        _by("offering_id", "class_pk"),
        (SCHOOL, CLASS),
        FULL_SCOPES,
    ),
    Endpoint(
        "schools/<str:schoolSourcedId>/classes/<str:classSourcedId>/students",
        "getStudentsForClassInSchool",
        Users,
        _students_of_class,
        (SCHOOL, CLASS),
        FULL_SCOPES,
    ),
    Endpoint(
        "schools/<str:schoolSourcedId>/classes/<str:classSourcedId>/teachers",
        "getTeachersForClassInSchool",
        Users,
        teachers,
        (SCHOOL, CLASS),
        FULL_SCOPES,
    ),
    Endpoint(
        "schools/<str:schoolSourcedId>/courses",
        "getCoursesForSchool",
        Courses,
        parents=(SCHOOL,),
        scopes=FULL_SCOPES,
    ),
    Endpoint(
        "schools/<str:schoolSourcedId>/enrollments",
        "getEnrollmentsForSchool",
        Enrollments,
        parents=(SCHOOL,),
        scopes=FULL_SCOPES,
    ),
    Endpoint(
        "schools/<str:schoolSourcedId>/students",
        "getStudentsForSchool",
        Users,
        students,
        (SCHOOL,),
        FULL_SCOPES,
    ),
    Endpoint(
        "schools/<str:schoolSourcedId>/teachers",
        "getTeachersForSchool",
        Users,
        teachers,
        (SCHOOL,),
        FULL_SCOPES,
    ),
    Endpoint(
        "schools/<str:schoolSourcedId>/terms",
        "getTermsForSchool",
        AcademicSessions,
        terms,
        (SCHOOL,),
        FULL_SCOPES,
    ),
    Endpoint("schools/<str:sourcedId>", "getSchool", Orgs, schools, single=True),
    Endpoint("students", "getAllStudents", Users, students),
    Endpoint("students/<str:sourcedId>", "getStudent", Users, students, single=True),
    Endpoint(
        "students/<str:studentSourcedId>/classes",
        "getClassesForStudent",
        Classes,
        _classes_of_user,
        (STUDENT,),
        FULL_SCOPES,
    ),
    Endpoint("teachers", "getAllTeachers", Users, teachers),
    Endpoint("teachers/<str:sourcedId>", "getTeacher", Users, teachers, single=True),
    Endpoint(
        "teachers/<str:teacherSourcedId>/classes",
        "getClassesForTeacher",
        Classes,
        _classes_of_user,
        (TEACHER,),
        FULL_SCOPES,
    ),
    Endpoint("terms", "getAllTerms", AcademicSessions, terms),
    Endpoint("terms/<str:sourcedId>", "getTerm", AcademicSessions, terms, single=True),
    Endpoint(
        "terms/<str:termSourcedId>/classes",
        "getClassesForTerm",
        Classes,
        _by("intake_id", "term_pk"),
        (TERM,),
        FULL_SCOPES,
    ),
    Endpoint(
        "terms/<str:termSourcedId>/gradingPeriods",
        "getGradingPeriodsForTerm",
        AcademicSessions,
        grading_periods,
        (TERM,),
        FULL_SCOPES,
    ),
    Endpoint("users", "getAllUsers", Users),
    Endpoint("users/<str:sourcedId>", "getUser", Users, single=True),
    Endpoint(
        "users/<str:userSourcedId>/classes",
        "getClassesForUser",
        Classes,
        _classes_of_user,
        (USER,),
        FULL_SCOPES,
    ),
]

ERRORS = {
    status: OpenApiResponse(OpenApiTypes.OBJECT, description="imsx_StatusInfo")
    for status in (400, 401, 403, 404, 429)
}
FIELDS_PARAMETER = OpenApiParameter("fields", str, description="Comma-separated fields to return")
COLLECTION_PARAMETERS = [
    OpenApiParameter("limit", int, description="Records per page, from 1 (default 100, no maximum)"),
    OpenApiParameter("offset", int, description="Records to skip"),
    OpenApiParameter("sort", str, description="Field to sort by"),
    OpenApiParameter("orderBy", str, enum=["asc", "desc"]),
    OpenApiParameter(
        "filter", str, description="e.g. status='active' AND dateLastModified>'2026-01-01T00:00:00.000Z'"
    ),
    FIELDS_PARAMETER,
]


def view_for(endpoint: Endpoint) -> type[OneRosterView]:
    base: type[OneRosterView] = DetailView if endpoint.single else CollectionView
    view = cast(
        type[OneRosterView], type(f"{endpoint.operation[0].upper()}{endpoint.operation[1:]}View", (base,), {})
    )
    view.endpoint = endpoint
    path_parameters = [
        OpenApiParameter(part[5:-1], str, OpenApiParameter.PATH)
        for part in endpoint.route.split("/")
        if part.startswith("<str:")
    ]

    # Each generated class gets its own documented get(), which mypy refuses as assigning to a method.
    def get(self, request, **kwargs):
        return base.get(self, request, **kwargs)

    view.get = extend_schema(  # type: ignore[attr-defined]
        summary=f"OneRoster {endpoint.operation}",
        operation_id=f"oneroster_{endpoint.operation}",
        parameters=[*path_parameters, *([FIELDS_PARAMETER] if endpoint.single else COLLECTION_PARAMETERS)],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
        tags=["OneRoster 1.2 rostering"],
    )(get)
    return view


VIEWS = [(endpoint, view_for(endpoint)) for endpoint in ENDPOINTS]


class CsvZipView(APIView):
    """GET …/csv/bulk.zip (the whole roster) or …/csv/delta.zip?since=… (what changed after it):
    the OneRoster 1.2 CSV binding, streamed. Demographics only for a client that may read them."""

    authentication_classes = [UniversityClientAuthentication]
    permission_classes = [HasUniversityScope]
    throttle_classes = [ClientRateThrottle]
    read_scopes = FULL_SCOPES
    delta = False

    def get_exception_handler(self):
        return exception_handler

    @extend_schema(
        summary="OneRoster 1.2 CSV zip (manifest.csv and one file per record type)",
        parameters=[OpenApiParameter("since", OpenApiTypes.DATETIME, description="delta.zip: changed after")],
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **ERRORS},
        tags=["OneRoster 1.2 rostering"],
    )
    def get(self, request):
        since = None
        if self.delta:
            try:
                since = validation.parse_datetime_param(
                    request.query_params.get("since"), name="since", require_time_zone=True
                )
            except validation.BadInput as error:
                raise query.QueryError(error.message, INVALID_DATA) from None
            if since is None:
                raise query.QueryError(str(SINCE_MISSING), INVALID_DATA)
        client = request.auth.api_client
        demographics = client.can_read_sensitive and any(
            has_scope(request, scope) for scope in DEMOGRAPHICS_SCOPES
        )
        name = "delta" if self.delta else "bulk"
        response = StreamingHttpResponse(
            bulk.zip_stream(university_of(request), demographics=demographics, since=since),
            content_type="application/zip",
        )
        response["Content-Disposition"] = f'attachment; filename="oneroster-{name}.zip"'
        return response


OFFICIAL_OPENAPI = Path(__file__).parent / "openapi" / "onerosterv1p2rostersservice_openapi3_v1p0.json"


@cache
def _official_openapi() -> dict:
    return json.loads(OFFICIAL_OPENAPI.read_text())


@extend_schema(exclude=True)
def discovery(request) -> JsonResponse:
    """The official Rostering OpenAPI localised to this server, as 1EdTech recommends for
    discovery: our base URL and token endpoint; every operation in it is served here."""
    document = copy.deepcopy(_official_openapi())
    document["servers"] = [
        {"url": request.build_absolute_uri(reverse("oneroster:discovery")).removesuffix("/discovery")}
    ]
    flows = document["components"]["securitySchemes"]["OAuth2CC"]["flows"]["clientCredentials"]
    flows["tokenUrl"] = request.build_absolute_uri("/oauth/token/")
    return JsonResponse(document, json_dumps_params={"ensure_ascii": False})
