"""OneRoster 1.2 rostering (read): records, paging headers, filter/sort/fields, imsx_StatusInfo errors."""

import datetime as dt

import pytest
from django.utils import timezone

from academy.models import Enrolment
from academy.oneroster import ids
from tests.academy.factories import OfferingFactory
from tests.partner_api import factories

pytestmark = pytest.mark.django_db
BASE = "/ims/oneroster/rostering/v1p2/"
HOST = "http://testserver" + BASE


def stamp(value) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def status_info(description: str, code: str) -> dict:
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code}
            ]
        },
    }


def test_enrollment_record_and_its_references(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a)
    enrolment.refresh_from_db()
    sourced_id = ids.encode("enr", enrolment.pk)
    response = api_clients["uni_a"].get(f"{BASE}enrollments/{sourced_id}")
    assert response.status_code == 200
    assert response.json() == {
        "enrollment": {
            "sourcedId": sourced_id,
            "status": "active",
            "dateLastModified": stamp(enrolment.updated_at),
            "role": "student",
            "primary": False,
            "user": {
                "href": HOST + "users/" + ids.encode("usr", enrolment.worker_id),
                "sourcedId": ids.encode("usr", enrolment.worker_id),
                "type": "user",
            },
            "class": {
                "href": HOST + "classes/" + ids.encode("cls", enrolment.offering_id),
                "sourcedId": ids.encode("cls", enrolment.offering_id),
                "type": "class",
            },
            "school": {
                "href": HOST + "orgs/" + ids.encode("org", uni_a.pk),
                "sourcedId": ids.encode("org", uni_a.pk),
                "type": "org",
            },
            "beginDate": "2027-03-01",
            "endDate": None,
        }
    }
    # Every reference resolves.
    for ref in ("user", "class", "school"):
        href = response.json()["enrollment"][ref]["href"].removeprefix("http://testserver")
        assert api_clients["uni_a"].get(href).status_code == 200


def test_user_record(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a, student_number="ZJ2027001")
    worker = enrolment.worker
    worker.real_name = "张伟"
    worker.save(update_fields=["real_name"])
    user = api_clients["uni_a"].get(f"{BASE}users/{ids.encode('usr', worker.pk)}").json()["user"]
    assert {
        key: user[key] for key in ("username", "userIds", "givenName", "familyName", "identifier", "sms")
    } == {
        "username": "ZJ2027001",
        "userIds": [{"type": "studentNumber", "identifier": "ZJ2027001"}],
        "givenName": "伟",
        "familyName": "张",
        "identifier": "ZJ2027001",
        "sms": worker.phone,
    }
    assert user["roles"][0]["role"] == "student"


def test_collections_list_only_the_universitys_own(api_clients, uni_a, uni_b):
    mine = factories.enrolment(uni_a)
    theirs = factories.enrolment(uni_b)
    expected = {
        "orgs": [ids.encode("org", uni_a.pk)],
        "academicSessions": [ids.encode("ses", mine.intake_id)],
        "courses": [ids.encode("crs", mine.offering.programme_id)],
        "classes": [ids.encode("cls", mine.offering_id)],
        "users": [ids.encode("usr", mine.worker_id)],
        "enrollments": [ids.encode("enr", mine.pk)],
    }
    for collection, sourced_ids in expected.items():
        response = api_clients["uni_a"].get(BASE + collection)
        assert response.status_code == 200
        assert [record["sourcedId"] for record in response.json()[collection]] == sourced_ids
        assert response["X-Total-Count"] == "1"
    foreign = api_clients["uni_a"].get(f"{BASE}enrollments/{ids.encode('enr', theirs.pk)}")
    assert foreign.status_code == 404
    assert foreign.json() == status_info(
        f"没有 sourcedId 为“{ids.encode('enr', theirs.pk)}”的 enrollment。", "unknownobject"
    )


def test_limit_offset_headers_and_sort(api_clients, uni_a):
    offering = OfferingFactory(programme__university=uni_a)
    made = [factories.enrolment(uni_a, offering=offering) for _ in range(5)]
    response = api_clients["uni_a"].get(f"{BASE}enrollments?limit=2&offset=2")
    assert response["X-Total-Count"] == "5"
    assert [r["sourcedId"] for r in response.json()["enrollments"]] == [
        ids.encode("enr", e.pk) for e in made[2:4]
    ]
    url = HOST + "enrollments?limit=2&offset="
    assert response["Link"] == (
        f'<{url}0>; rel="first", <{url}4>; rel="last", <{url}4>; rel="next", <{url}0>; rel="prev"'
    )
    newest_first = api_clients["uni_a"].get(f"{BASE}enrollments?sort=sourcedId&orderBy=desc").json()
    assert [r["sourcedId"] for r in newest_first["enrollments"]] == [
        ids.encode("enr", e.pk) for e in made[::-1]
    ]


def test_filters_and_fields(api_clients, uni_a):
    old = factories.enrolment(uni_a)
    dropped = factories.enrolment(uni_a, status=Enrolment.Status.WITHDRAWN)
    Enrolment.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=10))
    client = api_clients["uni_a"]

    def found(query: str) -> list[str]:
        response = client.get(f"{BASE}enrollments", {"filter": query})
        assert response.status_code == 200, response.json()
        return [r["sourcedId"] for r in response.json()["enrollments"]]

    old_id, dropped_id = ids.encode("enr", old.pk), ids.encode("enr", dropped.pk)
    assert found("status='active'") == [old_id]
    assert found("status='tobedeleted'") == [dropped_id]
    since = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert found(f"dateLastModified>'{since}'") == [dropped_id]
    assert found(f"status='active' OR dateLastModified>'{since}'") == [old_id, dropped_id]
    assert found(f"status='active' AND dateLastModified>'{since}'") == []
    assert found(f"sourcedId='{dropped_id}'") == [dropped_id]
    assert found("sourcedId='enr-nothing'") == []
    response = client.get(f"{BASE}enrollments", {"fields": "sourcedId,status"})
    assert response.json()["enrollments"][0] == {"sourcedId": old_id, "status": "active"}


@pytest.mark.parametrize(
    "query, description, code",
    [
        ({"limit": "0"}, "limit 须为 1 至 1000 之间的整数，offset 须为不小于 0 的整数。", "invalid_data"),
        ({"offset": "x"}, "limit 须为 1 至 1000 之间的整数，offset 须为不小于 0 的整数。", "invalid_data"),
        ({"sort": "password"}, "这里不能按字段“password”排序。", "invalid_sort_field"),
        ({"orderBy": "up"}, "orderBy 只能是 asc 或 desc。", "invalid_sort_field"),
        ({"fields": "sourcedId,secret"}, "这里没有字段“secret”。", "invalid_selection_field"),
        (
            {"filter": "worker__phone='1'"},
            "无法识别筛选条件“worker__phone='1'”。请写成 字段 运算符 '值'，例如 status='active'。",
            "invalid_filter_field",
        ),
        ({"filter": "role='student'"}, "这里不能按字段“role”筛选。", "invalid_filter_field"),
        (
            {"filter": "dateLastModified>'soon'"},
            "“soon”不是 dateLastModified 的有效值。",
            "invalid_filter_field",
        ),
        (
            {"filter": "status='a' AND status='b' OR status='c'"},
            "无法识别筛选条件“status='a' AND status='b' OR status='c'”。请写成 字段 运算符 '值'，例如 status='active'。",
            "invalid_filter_field",
        ),
    ],
)
def test_bad_queries_answer_imsx_status_info(api_clients, uni_a, query, description, code):
    response = api_clients["uni_a"].get(f"{BASE}enrollments", query)
    assert response.status_code == 400
    assert response.json() == status_info(description, code)


@pytest.mark.parametrize(
    "client_name, status, code",
    [
        ("anonymous", 401, "unauthorisedrequest"),
        ("expired", 401, "unauthorisedrequest"),
        ("unmapped", 403, "forbidden"),
        ("uni_a_write_only", 403, "forbidden"),
        ("uni_b", 404, "unknownobject"),
        ("uni_a", 200, None),
    ],
)
@pytest.mark.parametrize("collection, prefix", [("enrollments", "enr"), ("users", "usr"), ("classes", "cls")])
def test_permission_matrix(api_clients, uni_a, client_name, status, code, collection, prefix):
    enrolment = factories.enrolment(uni_a)
    pk = {"enr": enrolment.pk, "usr": enrolment.worker_id, "cls": enrolment.offering_id}[prefix]
    response = api_clients[client_name].get(f"{BASE}{collection}/{ids.encode(prefix, pk)}")
    assert response.status_code == status
    if code:
        assert response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == code
    if status == 401:
        assert response["WWW-Authenticate"].startswith('Bearer realm="partner-api"')


@pytest.mark.parametrize("scope", ["roster.readonly", "roster-core.readonly"])
def test_the_oneroster_scope_names_are_accepted(api_clients, client_a, uni_a, scope):
    from rest_framework.test import APIClient

    factories.enrolment(uni_a)
    client = APIClient()
    token = factories.token_for(
        client_a.application, f"https://purl.imsglobal.org/spec/or/v1p2/scope/{scope}"
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(f"{BASE}enrollments").status_code == 200
    assert client.get("/api/v1/enrolments/").status_code == 403
