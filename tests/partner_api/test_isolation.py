"""Tenant isolation as a property: with university A's token, no id, filter, cursor or sourcedId
(fuzzed by hypothesis) ever returns one of university B's rows, and nothing answers 5xx."""

import base64
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from academy.models import Enrolment
from academy.oneroster import ids
from tests.partner_api import factories

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def two_rosters(uni_a, uni_b):
    mine = [factories.enrolment(uni_a, consent=True) for _ in range(3)]
    theirs = [factories.enrolment(uni_b, consent=True) for _ in range(3)]
    theirs.append(factories.enrolment(uni_b, status=Enrolment.Status.WITHDRAWN))
    return mine, theirs


def secrets_of(rows: list[Enrolment]) -> list[str]:
    """Strings that would only appear in a body that leaked these rows."""
    found = []
    for row in rows:
        found += [row.worker.phone, row.student_number, row.worker.profile.id_number_masked]
        found += [
            ids.encode("enr", row.pk),
            ids.encode("usr", row.worker_id),
            ids.encode("cls", row.offering_id),
        ]
    return [value for value in found if value]


def cursor_for(position: int) -> str:
    raw = urlencode({"o": 0, "p": position})
    return base64.b64encode(raw.encode()).decode()


def assert_no_leak(response, theirs, echoed: tuple[str, ...] = ()) -> None:
    assert response.status_code < 500
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    for value in echoed:  # an error message may quote what was asked for; that is no leak
        text = text.replace(value, "")
    for value in secrets_of(theirs):
        assert value not in text


def test_fuzzed_ids_filters_and_cursors_never_show_another_universitys_rows(api_clients, two_rosters):
    _mine, theirs = two_rosters
    client = api_clients["uni_a"]
    their_ids = [row.pk for row in theirs]
    any_id = st.one_of(st.sampled_from(their_ids), st.integers(min_value=-(2**70), max_value=2**70))
    text = st.text(min_size=0, max_size=12)
    id_like = st.one_of(any_id.map(str), text)

    @FUZZ
    @given(
        enrolment_id=id_like,
        intake=st.one_of(st.sampled_from([row.intake_id for row in theirs]).map(str), id_like),
        programme=st.one_of(st.sampled_from([row.offering.programme_id for row in theirs]).map(str), id_like),
        status=st.sampled_from(["", "enrolled", "withdrawn", "admitted", "draft", "x"]),
        cursor=st.one_of(any_id.map(lambda n: cursor_for(n) if n >= 0 else ""), text),
        page_size=st.one_of(st.integers(min_value=-5, max_value=2000).map(str), text),
    )
    def check(enrolment_id, intake, programme, status, cursor, page_size):
        assert_no_leak(client.get(f"/api/v1/enrolments/{enrolment_id}/"), theirs)
        query = {"intake": intake, "programme": programme, "status": status, "cursor": cursor}
        query = {key: value for key, value in query.items() if value}
        assert_no_leak(client.get("/api/v1/enrolments/", {**query, "page_size": page_size}), theirs)
        assert_no_leak(client.get("/api/v1/enrolments/export.csv", query), theirs)
        assert_no_leak(client.patch(f"/api/v1/enrolments/{enrolment_id}/", {"status": "completed"}), theirs)

    check()
    for row in theirs:
        before = row.status
        row.refresh_from_db()
        assert row.status == before


def test_fuzzed_oneroster_ids_and_filters_never_show_another_universitys_rows(api_clients, two_rosters):
    _mine, theirs = two_rosters
    client = api_clients["uni_a"]
    sourced = [ids.encode("enr", r.pk) for r in theirs] + [ids.encode("usr", r.worker_id) for r in theirs]
    collections = ["orgs", "academicSessions", "courses", "classes", "users", "enrollments"]

    @FUZZ
    @given(
        collection=st.sampled_from(collections),
        sourced_id=st.one_of(st.sampled_from(sourced), st.text(max_size=14)),
        field=st.sampled_from(["sourcedId", "status", "dateLastModified", "title", "beginDate", "x"]),
        operator=st.sampled_from(["=", "!=", ">", "<", "~", ">="]),
        value=st.one_of(st.sampled_from(sourced), st.text(max_size=10)),
        offset=st.integers(min_value=-1, max_value=50),
    )
    def check(collection, sourced_id, field, operator, value, offset):
        response = client.get(f"/ims/oneroster/rostering/v1p2/{collection}/{sourced_id}")
        assert_no_leak(response, theirs, echoed=(sourced_id,))
        filter_text = f"{field}{operator}'{value}'"
        params = {"filter": filter_text, "offset": offset}
        response = client.get(f"/ims/oneroster/rostering/v1p2/{collection}", params)
        assert_no_leak(response, theirs, echoed=(filter_text, value))

    check()
