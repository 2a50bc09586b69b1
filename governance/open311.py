"""Open311 GeoReport v2 at /open311/v2/: discovery, services, service requests; JSON and XML.

Plain Django views rather than DRF: the spec fixes its own field names, its
own error body (`[{"code", "description"}]`) and format suffixes, and is
documented by the spec itself and discovery.json, not by our OpenAPI file.

Who is the reporter of a POSTed request? The partner system whose API key
was used (`Report.api_key`). Such reports have no worker reporter, so they
earn nobody points and send nobody inbox messages.

What GET shows: without an API key, reports in public categories that a grid
admin has already looked at (the same as the public map); with a valid API key,
all reports. Never the reporter's identity. A request a partner system POSTed
can be read back by its id without a key from the moment it is filed, as the
spec's clients do; until it is public (reviewed, in a public category) that
read-back carries its status and times only, not its description, address,
location or media.

One jurisdiction: `settings.OPEN311_JURISDICTION_ID`. The spec makes
`jurisdiction_id` optional for a single-jurisdiction endpoint; given, it must be
ours, on every method, else 404.

Empty lists in XML are written with an opening and a closing tag
(`<service_requests></service_requests>`), never self-closing: the spec's
examples write every element that way, and clients that map XML to objects
read `<x/>` as null but `<x></x>` as an empty list or string.
"""

import ipaddress
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import wraps
from urllib.parse import urlsplit
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path, reverse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt

from core import validation
from core.db_router import read_from_replica
from core.exceptions import ApplicationError
from governance import attributes, selectors
from governance.actions import report_submit_partner
from governance.models import ApiKey, Category, Report

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"
MAX_DAYS = 90
MAX_RESULTS = 1000
MAX_DESCRIPTION = 4000
MAX_ADDRESS_ID = 100
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# Error texts (the spec's `description`); English, for the programmers of other city systems.
API_KEY_REQUIRED = "api_key is required and must be a valid key issued by the district."
SERVICE_CODE_REQUIRED = "service_code is required."
SERVICE_CODE_UNKNOWN = "service_code %s is not a service of this jurisdiction."
JURISDICTION_UNKNOWN = "jurisdiction_id %s is not served here; this endpoint serves %s."
LOCATION_REQUIRED = "A location is required: lat and long, address_string or address_id."
ADDRESS_ID_TOO_LONG = f"address_id must be at most {MAX_ADDRESS_ID} characters."
LAT_LONG_INVALID = (
    "lat and long must be decimal WGS-84 coordinates (lat -90..90, long -180..180), given together."
)
SERVICE_UNAVAILABLE = "Service briefly unavailable: retry after the seconds in the Retry-After header."
DESCRIPTION_TOO_LONG = f"description must be at most {MAX_DESCRIPTION} characters."
MEDIA_URL_INVALID = "media_url must be an http or https URL of at most 500 characters."
MEDIA_URL_NOT_PUBLIC = (
    "media_url must name a public host by its domain name: no IP address, no local or internal name, "
    "no user name or password."
)
# Host names that never resolve on the public internet (RFC 6761, RFC 6762, common private suffixes).
PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet", ".corp")
ADDRESS_TOO_LONG = "address_string must be at most 200 characters."
DATE_INVALID = "%s must be an ISO 8601 date-time with a time zone, e.g. 2026-11-01T00:00:00+08:00."
DATE_RANGE_TOO_LONG = f"start_date and end_date may span at most {MAX_DAYS} days."
DATE_RANGE_REVERSED = "end_date must not be before start_date."
STATUS_INVALID = "status must be open, closed, or open,closed."
REQUEST_NOT_FOUND = "No service request with id %s."
SERVICE_NOT_FOUND = "No service with code %s."
METHOD_NOT_ALLOWED = "Method %s is not allowed here."


def iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# --- Rendering ---------------------------------------------------------------------


def _xml_element(tag: str, value) -> ElementTree.Element:
    element = ElementTree.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_xml_element(key, child))
    elif isinstance(value, list):
        child_tag = {
            "endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value",
        }.get(tag, "item")  # fmt: skip
        for child in value:
            element.append(_xml_element(child_tag, child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
    return element


def render(data, fmt: str, *, root: str, item: str = "", status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    if isinstance(data, list):
        element = ElementTree.Element(root)
        for entry in data:
            element.append(_xml_element(item, entry))
    else:
        element = _xml_element(root, data)
    # short_empty_elements=False: `<service_requests></service_requests>`, see the module's docstring.
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ElementTree.tostring(
        element, encoding="utf-8", xml_declaration=False, short_empty_elements=False
    )
    return HttpResponse(body, status=status, content_type=FORMATS["xml"])


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(
        [{"code": status, "description": description}], fmt, root="errors", item="error", status=status
    )


def outage_error(request: HttpRequest) -> HttpResponse:
    """Open311's error list while Redis is down (core.outage), in the format the path asked for."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return error(fmt, 503, SERVICE_UNAVAILABLE)


def bad_input(request: HttpRequest, problem: validation.BadInput) -> HttpResponse:
    """Open311's error list for input refused before the view (core.validation), in English."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    with translation.override("en"):
        return error(fmt, 400, problem.message)


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def _valid_key(raw: str | None) -> ApiKey | None:
    if not raw:
        return None
    return ApiKey.objects.filter(key_hash=ApiKey.hash(raw), revoked_at__isnull=True).first()


# --- Representations -----------------------------------------------------------------


def service_json(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": category.has_attributes,
        "type": "realtime",
        "keywords": "",
        "group": category.department,
    }


def request_json(report: Report, request: HttpRequest, *, in_full: bool = True) -> dict:
    """`in_full=False`: a report read back without a key before it is public (the module's docstring):
    its status and times, nothing anyone wrote or where it is."""
    updates = list(report.updates.all())  # prefetched, newest first
    notes = next((update.note for update in updates if update.note), "")
    photos = list(report.photos.all())
    if photos and selectors.is_public(report):
        media_url = request.build_absolute_uri(reverse("governance:photo", args=[photos[0].pk, "full"]))
    else:
        media_url = report.media_url
    if not in_full:
        return {
            "service_request_id": str(report.pk),
            "status": "open" if report.is_open else "closed",
            "status_notes": "",
            "service_name": report.category.name,
            "service_code": report.category.code,
            "description": "",
            "agency_responsible": report.department,
            "service_notice": "",
            "requested_datetime": iso(report.created_at),
            "updated_datetime": iso(report.updated_at),
            "expected_datetime": iso(report.due_at),
            "address": "",
            "address_id": "",
            "zipcode": "",
            "lat": None,
            "long": None,
            "media_url": "",
        }
    return {
        "service_request_id": str(report.pk),
        "status": "open" if report.is_open else "closed",
        "status_notes": notes,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": report.department,
        "service_notice": "",
        "requested_datetime": iso(report.created_at),
        "updated_datetime": iso(report.updated_at),
        "expected_datetime": iso(report.due_at),
        "address": report.address,
        "address_id": report.address_id,
        "zipcode": "",
        "lat": float(report.lat) if report.lat is not None else None,
        "long": float(report.lng) if report.lng is not None else None,
        "media_url": media_url,
    }


def _visible_requests(api_key: ApiKey | None):
    queryset = selectors.open311_requests()
    if api_key is None:
        queryset = queryset.filter(category__is_public=True, status__in=selectors.PUBLIC_STATUSES)
    return queryset


def _readable_by_id(api_key: ApiKey | None):
    """What `requests/{id}` finds: the list's reports, and without a key also every report a partner
    system filed (read back as its poster's client expects; request_json decides how much it shows)."""
    queryset = selectors.open311_requests()
    if api_key is None:
        queryset = queryset.filter(
            Q(category__is_public=True, status__in=selectors.PUBLIC_STATUSES) | Q(api_key__isnull=False)
        )
    return queryset


# --- Views ------------------------------------------------------------------------------


def open311_view(*methods: str):
    """The frame of every GeoReport method: its HTTP methods, the jurisdiction, errors as the spec's list."""

    def decorate(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            if request.method not in methods:
                return error(fmt, 405, METHOD_NOT_ALLOWED % request.method)
            try:
                _check_jurisdiction(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as problem:
                return error(fmt, problem.status, problem.description)

        return csrf_exempt(wrapped)

    return decorate


def _check_jurisdiction(request: HttpRequest) -> None:
    # A POST may carry it in its body or its query string; both must name ours.
    for given in (request.GET.get("jurisdiction_id"), request.POST.get("jurisdiction_id")):
        if given and given.strip() != settings.OPEN311_JURISDICTION_ID:
            raise Open311Error(404, JURISDICTION_UNKNOWN % (given.strip(), settings.OPEN311_JURISDICTION_ID))


@open311_view("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    data = {
        "changeset": CHANGESET,
        "contact": "Xihu District grid office (西湖区网格管理办公室), via the Xiaoge portal",
        "key_service": "API keys for POST are issued by the district's grid admins in the portal's admin.",
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": request.build_absolute_uri(
                    reverse("open311:discovery", args=["json"]).rsplit("/", 1)[0] + "/"
                ),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(data, fmt, root="discovery")


@open311_view("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(
        selectors.active_categories_cached("open311-services", service_json),
        fmt,
        root="services",
        item="service",
    )


@open311_view("GET")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = selectors.active_categories().filter(code=code).first()
    if category is None:
        return error(fmt, 404, SERVICE_NOT_FOUND % code)
    definition = {
        "service_code": category.code,
        "attributes": [
            attributes.open311_attribute(question) for question in attributes.ordered(category.attributes)
        ],
    }
    return render(definition, fmt, root="service_definition")


@open311_view("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return _list_requests(request, fmt)


def _parse_date(name: str, raw: str) -> datetime | None:
    # None for a value of only spaces: read as absent, like a missing parameter.
    try:
        return validation.parse_datetime_param(raw, name=name, require_time_zone=True)
    except validation.BadInput as problem:
        if problem.template is validation.NEEDS_TIME_ZONE:
            raise Open311Error(400, DATE_INVALID % name) from None
        with translation.override("en"):
            raise Open311Error(400, problem.message) from None


def _request_number(raw: str) -> int | None:
    """A service_request_id as the id it names; None for anything that cannot be one."""
    try:
        return validation.bounded_int(raw, name="service_request_id", min_value=1)
    except validation.BadInput:
        return None


@read_from_replica
def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    queryset = _visible_requests(_valid_key(params.get("api_key")))
    ids = [part for part in params.get("service_request_id", "").split(",") if part.strip()]
    if ids:
        numeric = [number for part in ids if (number := _request_number(part)) is not None]
        queryset = queryset.filter(pk__in=numeric)
    else:
        codes = [part for part in params.get("service_code", "").split(",") if part]
        if codes:
            queryset = queryset.filter(category__code__in=codes)
        statuses = {part for part in params.get("status", "").split(",") if part}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, STATUS_INVALID)
        if statuses == {"open"}:
            queryset = queryset.filter(status__in=Report.OPEN_STATUSES)
        elif statuses == {"closed"}:
            queryset = queryset.exclude(status__in=Report.OPEN_STATUSES)
        start = _parse_date("start_date", params["start_date"]) if params.get("start_date") else None
        end = _parse_date("end_date", params["end_date"]) if params.get("end_date") else None
        if start and end:
            if end < start:
                raise Open311Error(400, DATE_RANGE_REVERSED)
            if end - start > timedelta(days=MAX_DAYS):
                raise Open311Error(400, DATE_RANGE_TOO_LONG)
        elif start:
            end = start + timedelta(days=MAX_DAYS)
        else:
            end = end or timezone.now()
            start = end - timedelta(days=MAX_DAYS)
        queryset = queryset.filter(created_at__gte=start, created_at__lte=end)
    reports = queryset.order_by("-created_at", "-id")[:MAX_RESULTS]
    return render(
        [request_json(report, request) for report in reports], fmt, root="service_requests", item="request"
    )


def _location(data) -> tuple[Decimal | None, Decimal | None, str, str]:
    lat = lng = None
    if data.get("lat") or data.get("long"):
        try:
            lat, lng = Decimal(data["lat"]), Decimal(data["long"])
            if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
                raise ValueError
        except (KeyError, ValueError, InvalidOperation):
            raise Open311Error(400, LAT_LONG_INVALID) from None
        lat, lng = round(lat, 6), round(lng, 6)
    address = data.get("address_string", "").strip()
    address_id = data.get("address_id", "").strip()
    if lat is None and not address and not address_id:
        raise Open311Error(400, LOCATION_REQUIRED)
    if len(address) > 200:
        raise Open311Error(400, ADDRESS_TOO_LONG)
    if len(address_id) > MAX_ADDRESS_ID:
        raise Open311Error(400, ADDRESS_ID_TOO_LONG)
    return lat, lng, address, address_id


def _media_url(raw: str) -> str:
    """media_url is kept as text, a link for whoever reads the request: the portal never fetches it
    (no server-side request, so no SSRF) and never shows it as an image on its own pages. A link to
    a host that is not public (an IP address, a local or internal name, credentials in the URL) is
    refused, so no reader is pointed into someone's private network."""
    if not raw:
        return ""
    try:
        parts = urlsplit(raw)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:  # an unclosed IPv6 bracket, a port that is not a number
        raise Open311Error(400, MEDIA_URL_INVALID) from None
    if len(raw) > 500 or parts.scheme not in ("http", "https") or not host:
        raise Open311Error(400, MEDIA_URL_INVALID)
    if (
        parts.username is not None
        or parts.password is not None
        or "." not in host
        or host.endswith(PRIVATE_SUFFIXES)
        or _is_ip_address(host)
    ):
        raise Open311Error(400, MEDIA_URL_NOT_PUBLIC)
    try:
        URLValidator(schemes=["http", "https"])(raw)
    except ValidationError:
        raise Open311Error(400, MEDIA_URL_INVALID) from None
    return raw


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        # Also the shortened and numeric forms browsers read as addresses (127.1, 2130706433, 0x7f.1).
        return all(part.isdigit() or part.startswith("0x") for part in host.split("."))
    return True


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    api_key = _valid_key(data.get("api_key"))
    if api_key is None:
        raise Open311Error(403, API_KEY_REQUIRED)
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, SERVICE_CODE_REQUIRED)
    category = selectors.active_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, SERVICE_CODE_UNKNOWN % code)
    try:
        answers = attributes.clean_answers(
            definitions=category.attributes, answers=attributes.posted_answers(data), service_code=code
        )
    except attributes.BadAnswer as problem:
        raise Open311Error(400, problem.message) from None
    lat, lng, address, address_id = _location(data)
    description = data.get("description", "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, DESCRIPTION_TOO_LONG)
    media_url = _media_url(data.get("media_url", "").strip())
    try:
        report = report_submit_partner(
            api_key=api_key,
            category=category,
            description=description,
            lat=lat,
            lng=lng,
            address=address,
            address_id=address_id,
            media_url=media_url,
            answers=answers,
        )
    except ApplicationError as problem:
        raise Open311Error(400, problem.message) from None
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    body = [{"service_request_id": str(report.pk), "service_notice": "", "account_id": None}]
    # 200, not 201: the status of the spec's examples, which clients of GeoReport v2 check for.
    return render(body, fmt, root="service_requests", item="request")


@open311_view("GET")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    api_key = _valid_key(request.GET.get("api_key"))
    number = _request_number(request_id)
    report = _readable_by_id(api_key).filter(pk=number).first() if number is not None else None
    if report is None:
        return error(fmt, 404, REQUEST_NOT_FOUND % request_id)
    in_full = api_key is not None or selectors.is_public(report)
    return render(
        [request_json(report, request, in_full=in_full)], fmt, root="service_requests", item="request"
    )


FMT = r"\.(?P<fmt>json|xml)$"
app_name = "open311"
urlpatterns = [
    re_path(r"^discovery" + FMT, discovery, name="discovery"),
    re_path(r"^services" + FMT, services, name="services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FMT, service_definition, name="service"),
    re_path(r"^requests" + FMT, requests, name="requests"),
    # `*`, not `+`: an empty id (requests/.json) is answered in the spec's error list too.
    re_path(r"^requests/(?P<request_id>[^/.]*)" + FMT, request_detail, name="request"),
]
