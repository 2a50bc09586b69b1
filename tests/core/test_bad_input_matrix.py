"""No input answers 5xx: every URL of the URLconf, every parameter it reads, every kind of bad value.

The URLs come from django.urls.get_resolver() (admin changelists, add and change pages, the
pages, HSDS, Open311, /api/v1, OneRoster), so a new URL is covered without touching this file;
one whose path parameter cannot be filled from the demo world fails here, naming the parameter.

The parameters of each URL are discovered, not listed:
- what the view reads: a first request carries a generic set (search, q, page, cursor, status,
  start_date, ...) and records which keys the view looks up in request.GET;
- the documented query parameters of the API and standards operations (docs/openapi.yaml);
- the fields of the page's GET forms and the parameters of its own links (admin filters);
- the fields of the page's POST forms, which are posted with each bad value in every field.

Who asks: admin as a superuser with the second factor, /api/v1 and OneRoster with a partner
token, /accounts/ anonymously, the other pages as a worker, or as the superuser where the worker
is turned away. Redirects are not followed.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import re
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from django.apps import apps
from django.contrib.admin import ModelAdmin, site
from django.core.handlers.wsgi import WSGIRequest
from django.core.management import call_command
from django.db import models
from django.http import QueryDict
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from oauth2_provider.models import Application as OAuthApplication
from oauth2_provider.models import Grant, IDToken, RefreshToken

from academy.models import Enrolment
from academy.oneroster import ids
from accounts.models import User
from tests.partner_api import factories as partner

pytestmark = pytest.mark.django_db  # tests/slow_tests.py says why it takes about a minute

PAYLOADS = {
    "nul": "a\x00b",
    "control": "a\x1bb",
    "long": "x" * 10_000,
    "negative": "-1",
    "huge": "99999999999999999999",
    "full_width_digits": "１２３４５６",
    "emoji": "😀🚴",
    "date_out_of_range": "9999-12-31T23:59:59-15:00",
    "utc_offset": "2026-01-01T00:00:00+22:16",
}
# The middleware refuses these in a query string before any view runs (core.validation), by the
# same test for NUL as for the other control characters; the others reach the views. Pages' form
# bodies get all of PAYLOADS.
GUARDED = ("nul", "long")
REACHING = tuple(label for label in PAYLOADS if label not in (*GUARDED, "control"))
ADMIN_PARAMETERS = ("q", "o", "p", "_to_field", "_popup", "_changelist_filters")
ADMIN_FORM_PARAMETERS = ("_to_field", "_popup", "_changelist_filters")
# Interfaces that refuse at the first bad parameter.
SEQUENTIAL = ("/api/hsds/", "/api/v1/", "/ims/oneroster/", "/open311/")
MANAGEMENT = re.compile(r"-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")
GENERIC = [
    "search", "q", "page", "per_page", "page_size", "cursor", "status", "start_date", "end_date",
    "modified_after", "updated_since", "filter", "sort", "orderBy", "fields", "limit", "offset",
    "code", "lat", "lng", "radius", "next", "o", "p",
]  # fmt: skip
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
# POSTing these would end the session the rest of the run needs.
NO_POST = ("/accounts/logout/", "/accounts/2fa/", "/accounts/reauthenticate/", "/accounts/password/")
USER_FIELDS = ("user", "worker", "applicant", "reporter", "recipient", "owner", "member", "requester")


# --- what a view reads ------------------------------------------------------------------------


class RecordingQueryDict(QueryDict):
    """request.GET that remembers the keys a view looked up; iterating it reads them all."""

    read_keys: set[str] = set()  # the fixture gives each test its own

    def _read(self, key):
        self.read_keys.add(key)

    def _read_all(self):
        # core.validation's guard looks at every value; that is not the view reading them.
        if sys._getframe(2).f_globals.get("__name__") != "core.validation":
            self.read_keys.update(super().keys())

    def __getitem__(self, key):
        self._read(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._read(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._read(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self._read(key)
        return super().__contains__(key)

    def lists(self):
        self._read_all()
        return super().lists()

    def items(self):
        self._read_all()
        return super().items()

    def __iter__(self):
        self._read_all()
        return super().__iter__()

    def keys(self):
        self._read_all()
        return super().keys()

    def copy(self):
        self._read_all()
        return super().copy()

    def dict(self):
        self._read_all()
        return super().dict()

    def urlencode(self, safe=None):
        self._read_all()
        return super().urlencode(safe)


@pytest.fixture
def recorded_reads(monkeypatch):
    reads: set[str] = set()

    def get(request):
        return RecordingQueryDict(request.environ.get("QUERY_STRING", ""))

    monkeypatch.setattr(RecordingQueryDict, "read_keys", reads)
    prop = cached_property(get)
    prop.__set_name__(WSGIRequest, "GET")
    monkeypatch.setattr(WSGIRequest, "GET", prop)
    return reads


# --- the page's forms and links -------------------------------------------------------------------


class FormsAndLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.get_fields: set[str] = set()
        self.post_forms: list[tuple[str, dict[str, str]]] = []
        self.link_params: set[str] = set()
        self._form: tuple[str, dict[str, str]] | None = None
        self._method = "get"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._method = (attrs.get("method") or "get").lower()
            self._form = (attrs.get("action") or "", {})
            if self._method == "post":
                self.post_forms.append(self._form)
        elif tag in ("input", "select", "textarea") and attrs.get("name"):
            name, kind = attrs["name"], (attrs.get("type") or "").lower()
            if name == "csrfmiddlewaretoken" or kind in ("submit", "file", "button", "image"):
                return
            if self._form is not None and self._method == "post":
                self._form[1][name] = attrs.get("value") or ""
            elif self._form is not None:
                self.get_fields.add(name)
        elif tag == "a" and (attrs.get("href") or "").startswith("?"):
            self.link_params.update(
                key for key, _value in parse_qsl(attrs["href"][1:], keep_blank_values=True)
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self._form, self._method = None, "get"


# --- the URLs and their path parameters ------------------------------------------------------------


def url_patterns(patterns=None, namespace=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern


def path_parameters(pattern: URLPattern) -> list[str]:
    return list(pattern.pattern.regex.groupindex)


class World:
    """The demo data set, and how to name one of its records in a URL."""

    def __init__(self):
        call_command("seed_demo", verbosity=0)
        self.worker = User.objects.get(phone="+8613800000001")
        self.superuser = User.objects.get(phone="+8613900000000")
        enrolment = Enrolment.objects.select_related("offering__programme__university").first()
        self.enrolment = enrolment
        university = enrolment.offering.programme.university
        api = partner.api_client(university, client_id="matrix", can_read_sensitive=True, can_write=True)
        self.token = partner.token_for(api.application)
        self.add_what_the_demo_lacks()
        self.sourced = {
            "orgs": ids.encode("org", university.pk),
            "academicSessions": ids.encode("ses", enrolment.intake_id),
            "courses": ids.encode("crs", enrolment.offering.programme_id),
            "classes": ids.encode("cls", enrolment.offering_id),
            "users": ids.encode("usr", enrolment.worker_id),
            "enrollments": ids.encode("enr", enrolment.pk),
            "demographics": ids.encode("usr", enrolment.worker_id),
        }
        # The spec's aliases (schools are orgs, terms and gradingPeriods sessions, students and
        # teachers users) and the parents of its nested collections, by path parameter.
        for alias, collection in [
            ("schools", "orgs"),
            ("terms", "academicSessions"),
            ("gradingPeriods", "academicSessions"),
            ("students", "users"),
            ("teachers", "users"),
        ]:
            self.sourced[alias] = self.sourced[collection]
        self.parent_sourced = {
            "schoolSourcedId": self.sourced["orgs"],
            "classSourcedId": self.sourced["classes"],
            "courseSourcedId": self.sourced["courses"],
            "termSourcedId": self.sourced["academicSessions"],
            "userSourcedId": self.sourced["users"],
            "studentSourcedId": self.sourced["users"],
            "teacherSourcedId": self.sourced["users"],
        }

    def add_what_the_demo_lacks(self):
        """A street report and a service request with photos, and the rows of the login apps."""
        from allauth.account.models import EmailAddress
        from django.core.files.uploadedfile import SimpleUploadedFile

        from deliberation.models import Topic, TopicPhoto
        from governance.actions import apikey_issue, report_submit
        from governance.models import Category, GridMember
        from services.models import ServiceRequestPhoto
        from tests.governance.factories import clean_photo, image_bytes
        from tests.services.factories import ServiceRequestFactory

        member = GridMember.objects.filter(ends_on__isnull=True).select_related("user").first()
        report_submit(
            reporter=member.user,
            category=Category.objects.order_by("pk").first(),
            photos=[clean_photo()],
            description="路灯不亮",
            address="文三路 100 号",
            street=member.grid.street,
        )
        request = ServiceRequestFactory(worker=self.worker)
        ServiceRequestPhoto.objects.create(request=request, image=SimpleUploadedFile("a.jpg", image_bytes()))
        topic = Topic.objects.order_by("pk").first()
        TopicPhoto.objects.create(
            topic=topic,
            image=SimpleUploadedFile("a.jpg", image_bytes()),
            thumbnail=SimpleUploadedFile("b.jpg", image_bytes()),
        )
        EmailAddress.objects.create(user=self.worker, email="zhang@example.com", primary=True, verified=True)
        application = OAuthApplication.objects.order_by("pk").first()
        expires = timezone.now() + dt.timedelta(hours=1)
        Grant.objects.create(
            user=self.superuser,
            application=application,
            code="matrix-code",
            expires=expires,
            redirect_uri="https://example.com/",
        )
        IDToken.objects.create(user=self.superuser, application=application, expires=expires)
        RefreshToken.objects.create(user=self.superuser, application=application, token="matrix-refresh")
        # Each shard has its own world: rows other URLs' POSTs would make must exist from the start.
        apikey_issue(name="市城管平台", acting_user=self.superuser)

    def record(self, model: type[models.Model]):
        queryset = model._default_manager.order_by("pk")
        for name in USER_FIELDS:
            field = next((f for f in model._meta.fields if f.name == name), None)
            if field is not None and field.is_relation and field.related_model is User:
                mine = queryset.filter(**{name: self.worker}).first()
                if mine is not None:
                    return mine
        return queryset.first()

    def model_for(self, app_label: str, name: str) -> type[models.Model] | None:
        """`event_id` -> the app's Event; `request_id` -> its ServiceRequest (the name ends the same)."""
        wanted = name.removesuffix("_id").removesuffix("_uuid").replace("_", "")
        own = list(apps.get_app_config(app_label).get_models()) if apps.is_installed(app_label) else []
        for found in (
            [m for m in own if m._meta.model_name == wanted],
            [m for m in own if m._meta.model_name.endswith(wanted)],
            [m for m in apps.get_models() if m._meta.model_name == wanted],
        ):
            if found:
                return found[0]
        return None

    def fill(self, namespace: str, pattern: URLPattern) -> dict[str, str] | None:
        route = str(pattern.pattern)
        callback = pattern.callback
        model_admin = getattr(callback, "model_admin", None) or getattr(
            inspect.unwrap(callback), "__self__", None
        )
        if not isinstance(model_admin, ModelAdmin):
            model_admin = next(
                (
                    registered
                    for model, registered in site._registry.items()
                    if namespace == "admin:"
                    and (pattern.name or "").startswith(f"{model._meta.app_label}_{model._meta.model_name}_")
                ),
                None,
            )
        values: dict[str, str] = {}
        app_label = (callback.__module__ or "").split(".")[0]
        converters = pattern.pattern.converters
        for name in path_parameters(pattern):
            value = None
            if name == "fmt":
                value = "json"
            elif name == "sourcedId" and namespace == "oneroster:":
                value = self.sourced[route.split("/")[0]]
            elif name in self.parent_sourced and namespace == "oneroster:":
                value = self.parent_sourced[name]
            elif name == "path" and namespace in ("oneroster:", "oneroster_gradebook:"):  # the catch-alls
                value = "nothing/here"
            elif name == "sourcedId" and namespace == "oneroster_gradebook:":  # the client names a result
                value = "res-2027-y1"
            elif name == "pk" and namespace.startswith("partner_api"):
                value = self.enrolment.pk
            elif name in ("object_id", "pk", "id", "report_id") and model_admin is not None:
                record = model_admin.model._default_manager.order_by("pk").first()
                value = record.pk if record else None
            elif name == "app_label":
                value = "accounts"
            elif name == "content_type_id":
                from django.contrib.contenttypes.models import ContentType

                value = ContentType.objects.get_for_model(User).pk
            elif name == "object_id":
                value = self.superuser.pk
            elif name == "code" and app_label == "governance":
                from governance.models import Category

                value = Category.objects.order_by("pk").values_list("code", flat=True).first()
            elif name == "code" and app_label == "services":
                from services.models import Scenario

                value = Scenario.objects.order_by("order").values_list("code", flat=True).first()
            elif name == "request_id" and app_label == "governance":
                from governance.models import Report

                value = Report.objects.order_by("pk").values_list("pk", flat=True).first()
            elif name == "id":  # admin's password change of a user
                value = self.worker.pk
            elif name == "url":  # admin's catch-all
                value = "nowhere/"
            elif name in ("key", "uidb36"):
                value = "1-x"[: 1 if name == "uidb36" else 3]
            elif name == "sal_id":
                from services.models import ServiceAtPoint

                value = ServiceAtPoint.objects.order_by("pk").values_list("uuid", flat=True).first()
            elif name == "taxonomy_id":  # HSDS's one taxonomy
                from services.api.hsds import TAXONOMY_ID

                value = TAXONOMY_ID
            elif name == "term_id":
                from services.models import Scenario

                value = Scenario.objects.order_by("order").values_list("uuid", flat=True).first()
            elif name == "provider" and app_label == "notifications":  # SMS delivery receipts
                value = "aliyun"
            elif name == "token" and app_label == "notifications":
                value = "matrix-receipt-token"
            elif name == "panel" and app_label == "dashboard":  # a dashboard table's CSV
                value = "academy"
            elif name == "table" and app_label == "dashboard":
                value = "funnel"
            elif name == "size":
                value = "thumb"
            elif name == "field":
                value = "certificate"
            else:
                model = self.model_for(app_label, name)
                record = self.record(model) if model is not None else None
                if record is not None:
                    uuid_wanted = type(converters.get(name)).__name__ == "UUIDConverter"
                    value = record.uuid if uuid_wanted else record.pk
            if value is None:
                return None
            values[name] = str(value)
        return values


def url_of(namespace: str, pattern: URLPattern, values: dict[str, str]) -> str | None:
    if pattern.name:
        return reverse(f"{namespace}{pattern.name}", kwargs=values)
    model_admin = getattr(pattern.callback, "model_admin", None)
    if model_admin is not None and list(values) == ["object_id"]:  # admin's "<id>/" redirect
        opts = model_admin.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + f"{values['object_id']}/"
    if not values and namespace == "":
        return "/" + str(pattern.pattern)
    if namespace == "admin:" and list(values) == ["url"]:  # admin's catch-all
        return "/admin/" + values["url"]
    return None


def documented_parameters() -> list[tuple[re.Pattern, set[str]]]:
    schema = yaml.safe_load(SCHEMA.read_text())
    found = []
    for template, operations in schema["paths"].items():
        names = {
            parameter["name"]
            for operation in operations.values()
            if isinstance(operation, dict)
            for parameter in operation.get("parameters", [])
            if parameter.get("in") == "query"
        }
        regex = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
        found.append((regex, names))
    return found


# --- the run ---------------------------------------------------------------------------------------


class Matrix:
    def __init__(self, world: World, reads: set[str]):
        self.world, self.reads = world, reads
        self.cases = 0
        self.failures: list[str] = []
        self.clients = {
            "anonymous": Client(),
            "partner": Client(HTTP_AUTHORIZATION=f"Bearer {world.token}"),
            "worker": Client(),
            "superuser": Client(),
        }
        for client in self.clients.values():
            client.raise_request_exception = False
        self.log_in()

    def log_in(self):
        self.clients["worker"].force_login(self.world.worker)
        self.clients["superuser"].force_login(self.world.superuser)

    def send(self, client, method: str, url: str, data: dict, label: str):
        self.cases += 1
        response = getattr(client, method)(url, data)
        # /healthz answers 503 while Celery has no heartbeat here: its own report, not an input's failure.
        if response.status_code >= 500 and not (url == "/healthz" and response.status_code == 503):
            problem = getattr(response, "exc_info", None)
            cause = f" ({problem[0].__name__}: {str(problem[1])[:150]})" if problem else ""
            self.failures.append(f"{response.status_code} {method.upper()} {url} {label}{cause}")
        return response

    def client_for(self, path: str) -> tuple[str, Client]:
        if path.startswith("/admin/"):
            return "superuser", self.clients["superuser"]
        if path.startswith(("/api/v1/", "/ims/oneroster/")):
            return "partner", self.clients["partner"]
        if path.startswith(("/accounts/", "/oauth/")):
            return "anonymous", self.clients["anonymous"]
        return "worker", self.clients["worker"]

    def run_url(self, url: str, documented: set[str]):
        role, client = self.client_for(url)
        is_admin = url.startswith("/admin/")
        if is_admin:
            # Admin reads its own parameters (and iterates the rest as lookups): taken from its links.
            page = self.send(client, "get", url, {}, "plain")
            read = set(
                ADMIN_PARAMETERS
                if url.endswith("/admin/") or "/change/" not in url
                else ADMIN_FORM_PARAMETERS
            )
        else:
            self.reads.clear()
            page = self.send(client, "get", url, dict.fromkeys(GENERIC, "1"), "generic")
            if role == "worker" and page.status_code in (302, 403, 404):
                client = self.clients["superuser"]
                self.reads.clear()
                page = self.send(client, "get", url, dict.fromkeys(GENERIC, "1"), "generic")
            read = set(self.reads)
            if read >= set(GENERIC):  # it iterated them (a copy, a form over all of GET): not a discovery
                read = set()
            if page.status_code != 200:
                page = self.send(client, "get", url, {}, "plain")
        found = FormsAndLinks()
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            found.feed(page.content.decode(errors="replace"))
        parameters = sorted(read | documented | found.get_fields | found.link_params)
        for name in parameters:  # refused by the middleware before any view: cheap
            for label in GUARDED:
                self.send(client, "get", url, {name: PAYLOADS[label]}, f"{name}={label}")
        if url.startswith(SEQUENTIAL):
            # These check one parameter after another: each bad value goes alone, so none hides another.
            for name in parameters:
                for label in REACHING:
                    self.send(client, "get", url, {name: PAYLOADS[label]}, f"{name}={label}")
        elif parameters:
            # Pages validate their parameters together (forms): every parameter gets the value at once.
            for label in REACHING:
                self.send(
                    client, "get", url, dict.fromkeys(parameters, PAYLOADS[label]), f"every parameter={label}"
                )
        if url.startswith(NO_POST) or url.endswith("/delete/"):  # a delete page's one field is "yes"
            return
        posted = False
        for action, fields in found.post_forms:
            if urlsplit(action or url).path != urlsplit(url).path or not fields:
                continue
            # A formset's management numbers stay as the page sent them: a huge TOTAL_FORMS only makes
            # Django build its maximum of 1,000 empty forms (its own bound), slowly.
            kept = {name: value for name, value in fields.items() if MANAGEMENT.search(name)}
            for label, payload in PAYLOADS.items():
                data = {**dict.fromkeys(fields, payload), **kept}
                self.send(client, "post", url, data, f"POST every field={label}")
            posted = True
        if posted:
            self.log_in()


@pytest.fixture
def quiet_logs():
    """Thousands of refused requests would each log a line (and a 500 its traceback)."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


# The URLs are dealt out to this many tests, so the workers of `make test` share them.
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_input_answers_a_server_error(recorded_reads, quiet_logs, shard):
    started = time.monotonic()
    world = World()
    matrix = Matrix(world, recorded_reads)
    documented = documented_parameters()
    unfilled, visited, timings = [], 0, []
    for number, (namespace, pattern) in enumerate(url_patterns()):
        if number % SHARDS != shard:
            continue
        if str(pattern.pattern).startswith("__errors__/"):  # DEBUG's preview of the 500 page is a 500
            continue
        values = world.fill(namespace, pattern)
        if values is None:
            unfilled.append(f"{namespace}{pattern.name or pattern.pattern}: {path_parameters(pattern)}")
            continue
        try:
            url = url_of(namespace, pattern, values)
        except NoReverseMatch:
            url = None
        if url is None:
            unfilled.append(f"{namespace}{pattern.name or pattern.pattern}: no URL for {values}")
            continue
        names = set().union(*(names for regex, names in documented if regex.match(url)))
        url_started = time.monotonic()
        before = matrix.cases
        matrix.run_url(url, names)
        timings.append((time.monotonic() - url_started, matrix.cases - before, url))
        visited += 1
    elapsed = time.monotonic() - started
    print(f"\nbad-input matrix, shard {shard}: {visited} URLs, {matrix.cases} requests in {elapsed:.1f} s")
    for seconds, cases, url in sorted(timings, reverse=True)[:10]:
        print(f"{seconds:6.2f} s {cases:5d} {url}")
    print("\n".join(matrix.failures))
    print("\n".join(unfilled))
    assert matrix.failures == []
    assert unfilled == []
    assert visited > 400 // SHARDS
