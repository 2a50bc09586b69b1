"""The partner API against its committed OpenAPI schema (docs/openapi.yaml), with schemathesis
in-process over WSGI: generated requests never get a 5xx and every response conforms."""

from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from academy.oneroster import ids
from tests.partner_api import factories

pytestmark = pytest.mark.django_db
SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
ONEROSTER_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
# A few examples per operation keep the whole suite fast; the isolation tests fuzz harder.
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def partner_operations():
    schema = schemathesis.openapi.from_path(SCHEMA)
    schema.app = WSGIHandler()
    schema = schema.include(path_regex=r"^/(api/v1|api/hsds|ims/oneroster)/")
    return [result.ok() for result in schema.get_all_operations()]


def test_the_schema_describes_every_partner_operation():
    labels = sorted(operation.label for operation in partner_operations())
    # 7 of /api/v1; the 41 of the OneRoster Rostering OpenAPI, its 2 CSV zips and putResult; 11 of HSDS
    assert len(labels) == 62
    assert "PUT /ims/oneroster/gradebook/v1p2/results/{sourcedId}" in labels
    assert "GET /api/hsds/taxonomy_terms/{term_id}" in labels
    assert "PATCH /api/v1/enrolments/{id}/" in labels
    assert "GET /ims/oneroster/rostering/v1p2/enrollments/{sourcedId}" in labels
    assert "GET /api/hsds/services/{service_id}" in labels


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """A real WSGIHandler closes "old" connections around each request; the test's transaction must
    survive, as Django's own test client arranges."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_oneroster_bodies_are_typed_with_the_official_components():
    import json

    import yaml

    document = yaml.safe_load(SCHEMA.read_text())
    official = json.loads(
        (Path(ids.__file__).parent / "openapi" / "onerosterv1p2rostersservice_openapi3_v1p0.json").read_text()
    )
    bodies = {
        (path, method, status): response["content"]["application/json"]["schema"]
        for path, operations in document["paths"].items()
        if path.startswith("/ims/oneroster/")
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if "application/json" in response.get("content", {})
    }
    assert [key for key, schema in bodies.items() if "$ref" not in schema] == []
    assert bodies["/ims/oneroster/rostering/v1p2/users", "get", "200"] == {
        "$ref": "#/components/schemas/OneRosterUserSetDType"
    }
    assert bodies["/ims/oneroster/rostering/v1p2/classes/{sourcedId}", "get", "404"] == {
        "$ref": "#/components/schemas/OneRosterimsx_StatusInfoDType"
    }
    user = document["components"]["schemas"]["OneRosterUserDType"]
    assert user["required"] == official["components"]["schemas"]["UserDType"]["required"]
    assert user["additionalProperties"] is False


def test_generated_requests_never_fail_and_responses_conform(client_a, uni_a, wsgi_keeps_the_test_connection):
    rows = [
        factories.enrolment(uni_a, status=status, consent=True)
        for status in ("admitted", "enrolled", "completed")
    ]
    real = {
        "enrolments": str(rows[1].pk),
        "orgs": ids.encode("org", uni_a.pk),
        "academicSessions": ids.encode("ses", rows[0].intake_id),
        "courses": ids.encode("crs", rows[0].offering.programme_id),
        "classes": ids.encode("cls", rows[0].offering_id),
        "users": ids.encode("usr", rows[0].worker_id),
        "enrollments": ids.encode("enr", rows[0].pk),
    }
    headers = {"Authorization": f"Bearer {factories.token_for(client_a.application)}"}
    for operation in partner_operations():
        parts = operation.path.split("/")
        run_examples(operation, headers, real.get(parts[3] if parts[1] == "api" else parts[5], ""))


def run_examples(operation, headers: dict, existing: str) -> None:
    # Every check schemathesis has: no 5xx, each status and each body as documented, invalid input
    # refused and valid input accepted. One exception: HSDS's lat and lng only go together, which
    # OpenAPI 3.0 cannot say of two query parameters, so a lone lat is schema-valid yet refused.
    # OneRoster keeps the checks of its responses (its filter grammar is not a schema's to say).
    # So do HSDS's minimal and format=ndjson (no paging with either) and postcode (not with lat/lng).
    names = {parameter.name for parameter in operation.query}
    excluded = [positive_data_acceptance] if {"lat", "lng"} <= names or "format" in names else []
    checks = ONEROSTER_CHECKS if operation.path.startswith("/ims/") else None

    @EXAMPLES
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(headers=headers, checks=checks, excluded_checks=excluded)
        # The same generated query and body against a record that exists, so that the
        # success responses (and write-backs) are exercised too, not only 404s.
        for name in ("id", "sourced_id"):
            if case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = existing
                case.call_and_validate(headers=headers, checks=checks, excluded_checks=excluded)

    check()
