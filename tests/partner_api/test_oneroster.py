"""OneRoster 1.2 rostering (read) as a standard client sees it.

Every response of these tests, collection, single record or error, goes through
`call`, which validates it against the official schemas of the 1EdTech Rostering
OpenAPI (academy/oneroster/openapi/, a verbatim copy): additionalProperties
false, no nulls, the 1.2 codeMinor vocabulary. With `fields` the record type's
`required` is dropped (a selection leaves fields out by design), nothing else."""

import copy
import datetime as dt
import json
from functools import cache
from pathlib import Path

import jsonschema
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from academy.models import Enrolment, Programme
from academy.oneroster import ids
from accounts.models import Consent, WorkerProfile
from tests.academy.factories import IntakeFactory, OfferingFactory, ProgrammeFactory
from tests.partner_api import factories
from tests.partner_api.factories import imsx_status_info as status_info

pytestmark = pytest.mark.django_db
BASE = "/ims/oneroster/rostering/v1p2/"
HOST = "http://testserver" + BASE
SPEC = json.loads(
    (
        Path(__file__).resolve().parents[2]
        / "academy"
        / "oneroster"
        / "openapi"
        / "onerosterv1p2rostersservice_openapi3_v1p0.json"
    ).read_text()
)
SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
RECORD_TYPES = {
    "orgs": "Org",
    "org": "Org",
    "academicSessions": "AcademicSession",
    "academicSession": "AcademicSession",
    "courses": "Course",
    "course": "Course",
    "classes": "Class",
    "class": "Class",
    "users": "User",
    "user": "User",
    "enrollments": "Enrollment",
    "enrollment": "Enrollment",
    "demographics": "Demographics",
}


# What the schema checks saw, for the closing note: python -m pytest ... -s prints it.
class Validated:
    responses = 0
    records = 0
    shapes: set[tuple] = set()


@cache
def validator(dtype: str, partial_record: str = "") -> jsonschema.Draft7Validator:
    components = SPEC["components"]
    if partial_record:
        components = copy.deepcopy(components)
        components["schemas"][partial_record].pop("required", None)
    schema = {"$ref": f"#/components/schemas/{dtype}", "components": components}
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def conforms(status: int, body: dict, *, partial: bool = False) -> None:
    if status >= 400:
        dtype, record = "imsx_StatusInfoDType", ""
    else:
        [key] = body
        record = RECORD_TYPES[key] + "DType"
        many = isinstance(body[key], list)
        dtype = f"{RECORD_TYPES[key]}SetDType" if many else f"Single{RECORD_TYPES[key]}DType"
        Validated.records += len(body[key]) if many else 1
    errors = [error.message for error in validator(dtype, record if partial else "").iter_errors(body)]
    assert errors == [], body
    Validated.responses += 1


@pytest.fixture(scope="module", autouse=True)
def _report_validated():
    yield
    print(
        f"\nOneRoster schema checks: {Validated.responses} responses, {Validated.records} records, "
        f"{len(Validated.shapes)} query shapes"
    )


def body_of(response) -> dict:
    if response.streaming:
        return json.loads(b"".join(response.streaming_content))
    return response.json()


class OneRoster:
    """GET a OneRoster path as `client`, assert the status, validate the body, return it."""

    def __init__(self, clients) -> None:
        self.clients = clients
        self.last = None

    def __call__(self, path: str, params: dict | None = None, *, client: str = "uni_a", status: int = 200):
        response = self.clients[client].get(BASE + path, params or {})
        assert response.status_code == status, body_of(response)
        body = body_of(response)
        conforms(status, body, partial=bool(params and params.get("fields")))
        template = "/".join("{id}" if "-" in part else part for part in path.split("/"))
        Validated.shapes.add((template, tuple(sorted(params or {})), status))
        self.last = response
        return body


@pytest.fixture
def call(api_clients) -> OneRoster:
    return OneRoster(api_clients)


def stamp(value) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def href(collection: str, sourced_id: str, kind: str) -> dict:
    return {"href": f"{HOST}{collection}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def sids(body: dict) -> list[str]:
    [records] = body.values()
    return [record["sourcedId"] for record in records]


@pytest.fixture
def world(uni_a, uni_b):
    """University A: two programmes, two intakes, three classes; a student enrolled (consented),
    one admitted, one withdrawn. University B: one student of its own."""
    accounting = ProgrammeFactory(university=uni_a, major="会计", level="bachelor")
    commerce = ProgrammeFactory(university=uni_a, major="电子商务", level="associate")
    spring = IntakeFactory(name="2027年春季", starts_on=dt.date(2027, 3, 1))
    autumn = IntakeFactory(name="2027年秋季", starts_on=dt.date(2027, 9, 1))
    classes = {
        "accounting_spring": OfferingFactory(programme=accounting, intake=spring),
        "commerce_spring": OfferingFactory(programme=commerce, intake=spring),
        "commerce_autumn": OfferingFactory(programme=commerce, intake=autumn),
    }
    enrolled = factories.enrolment(
        uni_a, offering=classes["accounting_spring"], consent=True, student_number="ZJ2027001"
    )
    admitted = factories.enrolment(uni_a, Enrolment.Status.ADMITTED, offering=classes["commerce_spring"])
    withdrawn = factories.enrolment(uni_a, Enrolment.Status.WITHDRAWN, offering=classes["commerce_autumn"])
    User = type(enrolled.worker)
    User.objects.filter(pk=enrolled.worker_id).update(real_name="张伟", email="zw@example.com")
    User.objects.filter(pk=admitted.worker_id).update(real_name="李娜")
    User.objects.filter(pk=withdrawn.worker_id).update(real_name="王")
    foreign = factories.enrolment(uni_b, consent=True)
    for row in (enrolled, admitted, withdrawn, foreign):
        row.refresh_from_db()
        row.worker.refresh_from_db()
    return {
        "programmes": {"accounting": accounting, "commerce": commerce},
        "intakes": {"spring": spring, "autumn": autumn},
        "classes": classes,
        "enrolled": enrolled,
        "admitted": admitted,
        "withdrawn": withdrawn,
        "foreign": foreign,
    }


# --- the records, whole ---------------------------------------------------------------------


def test_enrollment_record_and_its_references(call, world, uni_a):
    enrolment = world["enrolled"]
    sourced_id = ids.encode("enr", enrolment.pk)
    body = call(f"enrollments/{sourced_id}")
    assert body == {
        "enrollment": {
            "sourcedId": sourced_id,
            "status": "active",
            "dateLastModified": stamp(enrolment.updated_at),
            "role": "student",
            "primary": "false",
            "user": href("users", ids.encode("usr", enrolment.worker_id), "user"),
            "class": href("classes", ids.encode("cls", enrolment.offering_id), "class"),
            "school": href("orgs", ids.encode("org", uni_a.pk), "org"),
            "beginDate": "2027-03-01",
        }
    }
    # Every reference resolves.
    for ref in ("user", "class", "school"):
        call(body["enrollment"][ref]["href"].removeprefix(HOST))


def test_user_records(call, world, uni_a):
    enrolled, admitted, withdrawn = world["enrolled"], world["admitted"], world["withdrawn"]
    school = href("orgs", ids.encode("org", uni_a.pk), "org")
    role = [{"roleType": "primary", "role": "student", "org": school}]
    body = call("users")
    assert body == {
        "users": [
            {
                "sourcedId": ids.encode("usr", enrolled.worker_id),
                "status": "active",
                "dateLastModified": stamp(enrolled.updated_at),
                "enabledUser": "true",
                "username": "ZJ2027001",
                "userIds": [{"type": "studentNumber", "identifier": "ZJ2027001"}],
                "givenName": "伟",
                "familyName": "张",
                "roles": role,
                "identifier": "ZJ2027001",
                "email": "zw@example.com",
                "sms": enrolled.worker.phone,
                "phone": enrolled.worker.phone,
            },
            {
                "sourcedId": ids.encode("usr", admitted.worker_id),
                "status": "active",
                "dateLastModified": stamp(admitted.updated_at),
                "enabledUser": "true",
                "givenName": "娜",
                "familyName": "李",
                "roles": role,
                "sms": admitted.worker.phone,
                "phone": admitted.worker.phone,
            },
            {
                # Every application here withdrawn: the student is to be deleted for this university.
                "sourcedId": ids.encode("usr", withdrawn.worker_id),
                "status": "tobedeleted",
                "dateLastModified": stamp(withdrawn.updated_at),
                "enabledUser": "true",
                "givenName": "王",
                "familyName": "",
                "roles": role,
                "sms": withdrawn.worker.phone,
                "phone": withdrawn.worker.phone,
            },
        ]
    }
    assert sids(call("students")) == sids(body)


def test_org_session_course_and_class_records(call, world, uni_a):
    org = ids.encode("org", uni_a.pk)
    assert call(f"orgs/{org}") == {
        "org": {
            "sourcedId": org,
            "status": "active",
            "dateLastModified": stamp(uni_a.updated_at),
            "name": "甲大学",
            "type": "school",
            "identifier": "uni-a",
        }
    }
    assert call(f"schools/{org}") == call(f"orgs/{org}")
    spring = world["intakes"]["spring"]
    session = ids.encode("ses", spring.pk)
    assert call(f"academicSessions/{session}") == {
        "academicSession": {
            "sourcedId": session,
            "status": "active",
            "dateLastModified": stamp(spring.updated_at),
            "title": "2027年春季",
            "type": "term",
            "startDate": "2027-03-01",
            "endDate": "2027-08-29",
            "schoolYear": "2027",
        }
    }
    assert call(f"terms/{session}") == call(f"academicSessions/{session}")
    accounting = world["programmes"]["accounting"]
    course = ids.encode("crs", accounting.pk)
    assert call(f"courses/{course}") == {
        "course": {
            "sourcedId": course,
            "status": "active",
            "dateLastModified": stamp(accounting.updated_at),
            "title": "会计（本科）",
            "courseCode": "bachelor-会计",
            "subjects": ["会计"],
            "org": href("orgs", org, "org"),
        }
    }
    offering = world["classes"]["accounting_spring"]
    class_id = ids.encode("cls", offering.pk)
    assert call(f"classes/{class_id}") == {
        "class": {
            "sourcedId": class_id,
            "status": "active",
            "dateLastModified": stamp(offering.updated_at),
            "title": "会计（本科） · 2027年春季",
            "classCode": "bachelor-会计-2027年春季",
            "classType": "scheduled",
            "subjects": ["会计"],
            "course": href("courses", course, "course"),
            "school": href("orgs", org, "org"),
            "terms": [href("academicSessions", session, "academicSession")],
        }
    }


def test_a_closed_programme_is_a_course_to_be_deleted(call, world):
    Programme.objects.filter(pk=world["programmes"]["commerce"].pk).update(is_active=False)
    body = call("courses", {"filter": "status='tobedeleted'"})
    assert sids(body) == [ids.encode("crs", world["programmes"]["commerce"].pk)]


# --- every operation of the official OpenAPI --------------------------------------------------


def official_operations() -> list[str]:
    return sorted(SPEC["paths"])


def test_every_official_operation_is_served(call, world, uni_a):
    enrolled = world["enrolled"]
    values = {
        "sourcedId": None,
        "schoolSourcedId": ids.encode("org", uni_a.pk),
        "classSourcedId": ids.encode("cls", enrolled.offering_id),
        "courseSourcedId": ids.encode("crs", enrolled.offering.programme_id),
        "termSourcedId": ids.encode("ses", enrolled.intake_id),
        "userSourcedId": ids.encode("usr", enrolled.worker_id),
        "studentSourcedId": ids.encode("usr", enrolled.worker_id),
    }
    singles = {
        "academicSessions": ids.encode("ses", enrolled.intake_id),
        "classes": ids.encode("cls", enrolled.offering_id),
        "courses": ids.encode("crs", enrolled.offering.programme_id),
        "demographics": ids.encode("usr", enrolled.worker_id),
        "enrollments": ids.encode("enr", enrolled.pk),
        "orgs": ids.encode("org", uni_a.pk),
        "schools": ids.encode("org", uni_a.pk),
        "students": ids.encode("usr", enrolled.worker_id),
        "terms": ids.encode("ses", enrolled.intake_id),
        "users": ids.encode("usr", enrolled.worker_id),
    }
    served = []
    for template in official_operations():
        head = template.strip("/").split("/")[0]
        path = template.strip("/")
        for name, value in values.items():
            path = path.replace("{" + name + "}", value or singles.get(head, "none-0000000000"))
        # What we have no record of (teachers, grading periods) answers 404 for one, [] for many.
        nothing = head in ("teachers", "gradingPeriods") and "{sourcedId}" in template
        teacher_classes = template == "/teachers/{teacherSourcedId}/classes"
        if teacher_classes:
            path = path.replace("{teacherSourcedId}", ids.encode("usr", enrolled.worker_id))
        call(path, status=404 if nothing or teacher_classes else 200)
        served.append(template)
    assert len(served) == 41


def test_the_discovery_document_is_the_official_openapi_localised(client):
    response = client.get(BASE + "discovery")
    assert response.status_code == 200
    document = response.json()
    expected = copy.deepcopy(SPEC)
    expected["servers"] = [{"url": "http://testserver/ims/oneroster/rostering/v1p2"}]
    expected["components"]["securitySchemes"]["OAuth2CC"]["flows"]["clientCredentials"]["tokenUrl"] = (
        "http://testserver/oauth/token/"
    )
    assert document == expected
    # Every operation it names is one of ours (the URL resolver knows each path).
    from django.urls import resolve

    for template in document["paths"]:
        path = BASE + template.strip("/").replace("{", "x-").replace("}", "")
        assert resolve(path).url_name != "unknown", template


def test_teachers_and_grading_periods_are_empty_valid_collections(call, world):
    for path in (
        "teachers",
        "gradingPeriods",
        f"classes/{ids.encode('cls', world['enrolled'].offering_id)}/teachers",
    ):
        body = call(path)
        assert list(body.values()) == [[]]
        assert call.last["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    "path, expected",
    [
        ("classes/{class}/students", ["enrolled_user"]),
        ("schools/{org}/classes/{class}/students", ["enrolled_user"]),
        ("schools/{org}/classes/{class}/enrollments", ["enrolled"]),
        ("courses/{course}/classes", ["accounting_spring"]),
        ("terms/{spring}/classes", ["accounting_spring", "commerce_spring"]),
        ("users/{user}/classes", ["accounting_spring"]),
        ("students/{user}/classes", ["accounting_spring"]),
        ("schools/{org}/classes", ["accounting_spring", "commerce_spring", "commerce_autumn"]),
        ("schools/{org}/courses", ["accounting", "commerce"]),
        ("schools/{org}/terms", ["spring", "autumn"]),
        ("schools/{org}/enrollments", ["enrolled", "admitted", "withdrawn"]),
        ("schools/{org}/students", ["enrolled_user", "admitted_user", "withdrawn_user"]),
        ("schools/{org}/teachers", []),
        ("terms/{spring}/gradingPeriods", []),
    ],
)
def test_nested_collections(call, world, uni_a, path, expected):
    enrolled = world["enrolled"]
    names = {
        "org": ids.encode("org", uni_a.pk),
        "class": ids.encode("cls", enrolled.offering_id),
        "course": ids.encode("crs", world["programmes"]["accounting"].pk),
        "spring": ids.encode("ses", world["intakes"]["spring"].pk),
        "user": ids.encode("usr", enrolled.worker_id),
    }
    known = {
        **{key: ids.encode("cls", offering.pk) for key, offering in world["classes"].items()},
        **{key: ids.encode("crs", programme.pk) for key, programme in world["programmes"].items()},
        **{key: ids.encode("ses", intake.pk) for key, intake in world["intakes"].items()},
        **{key: ids.encode("enr", world[key].pk) for key in ("enrolled", "admitted", "withdrawn")},
        **{
            f"{key}_user": ids.encode("usr", world[key].worker_id)
            for key in ("enrolled", "admitted", "withdrawn")
        },
    }
    assert sids(call(path.format(**names))) == [known[name] for name in expected]


@pytest.mark.parametrize(
    "path, kind",
    [
        ("classes/{foreign_class}/students", "class"),
        ("courses/{foreign_course}/classes", "course"),
        ("terms/{foreign_term}/classes", "academicSession"),
        ("users/{foreign_user}/classes", "user"),
        ("schools/{foreign_org}/classes", "org"),
        ("schools/{org}/classes/{foreign_class}/enrollments", "class"),
        ("teachers/{user}/classes", "user"),  # a student is no teacher
        ("classes/cls-0000000000/students", "class"),
        ("users/garbage/classes", "user"),
    ],
)
def test_a_nested_collection_of_a_foreign_or_unknown_parent_answers_404(
    call, world, uni_a, uni_b, path, kind
):
    foreign = world["foreign"]
    names = {
        "org": ids.encode("org", uni_a.pk),
        "user": ids.encode("usr", world["enrolled"].worker_id),
        "foreign_class": ids.encode("cls", foreign.offering_id),
        "foreign_course": ids.encode("crs", foreign.offering.programme_id),
        "foreign_term": ids.encode("ses", foreign.intake_id),
        "foreign_user": ids.encode("usr", foreign.worker_id),
        "foreign_org": ids.encode("org", uni_b.pk),
    }
    before = Enrolment.objects.values_list("pk", "status", "updated_at").order_by("pk")
    snapshot = list(before)
    body = call(path.format(**names), status=404)
    assert body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "unknownobject"
    assert body["imsx_description"].endswith(f"的 {kind}。")
    assert list(before) == snapshot


def test_collections_list_only_the_universitys_own(call, world, uni_a):
    foreign = world["foreign"]
    for collection, prefix, pk in [
        ("enrollments", "enr", foreign.pk),
        ("users", "usr", foreign.worker_id),
        ("classes", "cls", foreign.offering_id),
        ("courses", "crs", foreign.offering.programme_id),
        ("academicSessions", "ses", foreign.intake_id),
        ("demographics", "usr", foreign.worker_id),
    ]:
        assert ids.encode(prefix, pk) not in sids(call(collection))
        sourced_id = ids.encode(prefix, pk)
        singular = {"academicSessions": "academicSession", "demographics": "demographics"}.get(
            collection, collection.rstrip("s").replace("classe", "class")
        )
        assert call(f"{collection}/{sourced_id}", status=404) == status_info(
            f"没有 sourcedId 为“{sourced_id}”的 {singular}。", "unknownobject"
        )


def test_unknown_paths_and_methods_answer_imsx(call, api_clients, world):
    assert call("nothing/here", status=404) == status_info(
        f"这里没有 OneRoster 操作“{BASE}nothing/here”。", "unknownobject"
    )
    assert call("users/", status=404)["imsx_codeMajor"] == "failure"
    response = api_clients["uni_a"].post(BASE + "users", {})
    assert response.status_code == 405
    conforms(405, response.json())
    assert (
        response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        == "invaliddata"
    )


# --- demographics: consent and the sensitive permission -------------------------------------


def test_demographics_only_of_consenting_students(call, world):
    enrolled = world["enrolled"]
    profile = enrolled.worker.profile
    sourced_id = ids.encode("usr", enrolled.worker_id)
    expected = {
        "sourcedId": sourced_id,
        "status": "active",
        "dateLastModified": stamp(max(enrolled.updated_at, profile.updated_at)),
        "birthDate": "1995-03-12",
        "sex": profile.sex,
    }
    assert call("demographics") == {"demographics": [expected]}
    assert call(f"demographics/{sourced_id}") == {"demographics": expected}
    # The student without consent is not there, as a single record neither.
    other = ids.encode("usr", world["admitted"].worker_id)
    call(f"demographics/{other}", status=404)
    Consent.objects.filter(user=enrolled.worker).update(withdrawn_at=timezone.now())
    assert call("demographics") == {"demographics": []}


def test_demographics_need_the_sensitive_scope_and_switch(call, api_clients, client_a, world):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {factories.token_for(client_a.application, SCOPE + 'roster.readonly')}"
    )
    response = client.get(BASE + "demographics")
    assert response.status_code == 403
    conforms(403, response.json())
    spec_token = factories.token_for(client_a.application, SCOPE + "roster-demographics.readonly")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {spec_token}")
    assert client.get(BASE + "demographics").status_code == 200
    assert client.get(BASE + "users").status_code == 403  # demographics only
    type(client_a).objects.filter(pk=client_a.pk).update(can_read_sensitive=False)
    response = client.get(BASE + "demographics")
    assert response.status_code == 403
    assert response.json() == status_info("该客户端不能读取人口统计信息。", "forbidden")


# --- filter: the whole grammar on every field ---------------------------------------------------


def test_filters_on_every_field_of_enrollments(call, world, uni_a):
    enrolled, admitted, withdrawn = (
        ids.encode("enr", world[key].pk) for key in ("enrolled", "admitted", "withdrawn")
    )
    user = ids.encode("usr", world["enrolled"].worker_id)
    spring_class = ids.encode("cls", world["classes"]["commerce_spring"].pk)

    def found(text: str) -> list[str]:
        return sids(call("enrollments", {"filter": text}))

    assert found("status='active'") == [enrolled, admitted]
    assert found("status!='active'") == [withdrawn]
    assert found("role='student'") == [enrolled, admitted, withdrawn]
    assert found("role='teacher'") == []
    assert found("primary='false'") == [enrolled, admitted, withdrawn]
    assert found(f"user.sourcedId='{user}'") == [enrolled]
    assert found(f"user.sourcedId!='{user}'") == [admitted, withdrawn]
    assert found(f"class.sourcedId='{spring_class}'") == [admitted]
    assert found(f"school.sourcedId='{ids.encode('org', uni_a.pk)}'") == [enrolled, admitted, withdrawn]
    assert found("beginDate>'2027-03-01'") == [withdrawn]
    assert found("beginDate>='2027-03-01'") == [enrolled, admitted, withdrawn]
    assert found("beginDate<'2027-09-01'") == [enrolled, admitted]
    assert found("beginDate<='2027-03-01'") == [enrolled, admitted]
    assert found("beginDate='2027-09-01'") == [withdrawn]
    assert found(f"status='active' AND user.sourcedId='{user}'") == [enrolled]
    assert found(f"status='tobedeleted' OR user.sourcedId='{user}'") == [enrolled, withdrawn]
    assert found("status~'tobe'") == [withdrawn]
    assert found(f"sourcedId='{admitted}'") == [admitted]
    assert found("sourcedId='enr-nothing'") == []


def test_filters_on_users_nested_and_text_fields(call, world, uni_a):
    enrolled, admitted, withdrawn = (
        ids.encode("usr", world[key].worker_id) for key in ("enrolled", "admitted", "withdrawn")
    )

    def found(text: str) -> list[str]:
        return sids(call("users", {"filter": text}))

    assert found("status='active' AND roles.role='student'") == [enrolled, admitted]
    assert found("roles.role='teacher'") == []
    assert found("roles.roleType='primary'") == [enrolled, admitted, withdrawn]
    assert found(f"roles.org.sourcedId='{ids.encode('org', uni_a.pk)}'") == [enrolled, admitted, withdrawn]
    assert found("givenName='伟'") == [enrolled]
    assert found("familyName='李'") == [admitted]
    assert found("familyName~'张' OR familyName~'李'") == [enrolled, admitted]
    assert found("username='ZJ2027001'") == [enrolled]
    assert found("identifier~'2027'") == [enrolled]
    assert found("userIds.identifier='ZJ2027001'") == [enrolled]
    assert found("userIds.type='studentNumber'") == [enrolled]
    assert found("enabledUser='true'") == [enrolled, admitted, withdrawn]
    assert found("email='zw@example.com'") == [enrolled]
    assert found(f"sms='{world['admitted'].worker.phone}'") == [admitted]
    assert found(f"phone='{world['admitted'].worker.phone}'") == [admitted]
    assert found("status='tobedeleted'") == [withdrawn]


def test_filters_on_classes_courses_sessions_and_orgs(call, world, uni_a):
    classes = {key: ids.encode("cls", offering.pk) for key, offering in world["classes"].items()}
    accounting = ids.encode("crs", world["programmes"]["accounting"].pk)
    commerce = ids.encode("crs", world["programmes"]["commerce"].pk)
    spring, autumn = (ids.encode("ses", world["intakes"][key].pk) for key in ("spring", "autumn"))

    def found(collection: str, text: str) -> list[str]:
        return sids(call(collection, {"filter": text}))

    assert found("classes", f"course.sourcedId='{commerce}'") == [
        classes["commerce_spring"],
        classes["commerce_autumn"],
    ]
    assert found("classes", f"terms.sourcedId='{autumn}'") == [classes["commerce_autumn"]]
    assert found("classes", "classCode='associate-电子商务-2027年秋季'") == [classes["commerce_autumn"]]
    # The title filtered is the title returned (not the major alone).
    assert found("classes", "title='会计（本科） · 2027年春季'") == [classes["accounting_spring"]]
    assert found("classes", "title~'秋季'") == [classes["commerce_autumn"]]
    assert found("classes", "classType='scheduled'") == list(classes.values())
    assert found("classes", "subjects='会计'") == [classes["accounting_spring"]]
    assert found("classes", f"school.sourcedId='{ids.encode('org', uni_a.pk)}'") == list(classes.values())
    assert found("courses", "title='会计（本科）'") == [accounting]
    assert found("courses", "title='会计'") == []
    assert found("courses", "courseCode~'associate'") == [commerce]
    assert found("courses", f"org.sourcedId='{ids.encode('org', uni_a.pk)}'") == [accounting, commerce]
    assert found("courses", "subjects='电子商务'") == [commerce]
    assert found("academicSessions", "type='term'") == [spring, autumn]
    assert found("academicSessions", "schoolYear='2027'") == [spring]  # autumn's term ends in 2028
    assert found("academicSessions", "startDate>'2027-06-01'") == [autumn]
    assert found("academicSessions", "endDate<'2027-09-01'") == [spring]
    assert found("academicSessions", "title~'春'") == [spring]
    assert found("orgs", "type='school'") == [ids.encode("org", uni_a.pk)]
    assert found("orgs", "name='甲大学' AND identifier='uni-a'") == [ids.encode("org", uni_a.pk)]
    assert found("orgs", "type='district'") == []


@pytest.mark.parametrize(
    "text, description",
    [
        (
            "worker__phone='1'",
            "无法识别筛选条件“worker__phone='1'”。请写成 字段 运算符 '值'，例如 status='active'。",
        ),
        ("password='x'", "这里不能按字段“password”筛选。"),
        ("user.phone='x'", "这里不能按字段“user.phone”筛选。"),
        ("dateLastModified>'soon'", "“soon”不是 dateLastModified 的有效值。"),
        ("beginDate='2027-02-30'", "“2027-02-30”不是 beginDate 的有效值。"),
        ("dateLastModified~'2026'", "运算符“~”不能用于 dateLastModified。"),
        ("beginDate~'2027'", "运算符“~”不能用于 beginDate。"),
        ("user.sourcedId>'usr-aaaaaaaaaa'", "运算符“>”不能用于 user.sourcedId。"),
        ("sourcedId~'enr'", "运算符“~”不能用于 sourcedId。"),
        (
            "status='a' AND status='b' OR status='c'",
            "无法识别筛选条件“status='a' AND status='b' OR status='c'”。请写成 字段 运算符 '值'，例如 status='active'。",
        ),
        ("status=active", "无法识别筛选条件“status=active”。请写成 字段 运算符 '值'，例如 status='active'。"),
        (
            "status=='active'",
            "无法识别筛选条件“status=='active'”。请写成 字段 运算符 '值'，例如 status='active'。",
        ),
        (
            "status='active' AND",
            "无法识别筛选条件“status='active' AND”。请写成 字段 运算符 '值'，例如 status='active'。",
        ),
        ("x" * 1001, "filter 太长了：最多 1000 个字符。"),
    ],
)
def test_bad_filters_answer_invalid_filter_field(call, world, text, description):
    before = Enrolment.objects.values_list("pk", "status", "updated_at").order_by("pk")
    snapshot = list(before)
    assert call("enrollments", {"filter": text}, status=400) == status_info(
        description, "invalid_filter_field"
    )
    assert list(before) == snapshot


# --- sort and orderBy -------------------------------------------------------------------------------


def test_sort_on_every_scalar_field(call, world):
    for collection, resource in [
        ("orgs", "Orgs"),
        ("academicSessions", "AcademicSessions"),
        ("courses", "Courses"),
        ("classes", "Classes"),
        ("users", "Users"),
        ("enrollments", "Enrollments"),
        ("demographics", "Demographics"),
    ]:
        from academy.oneroster import resources

        fields = getattr(resources, resource).fields
        for name, field in fields.items():
            if not field.sortable:
                call(collection, {"sort": name}, status=400)
                continue
            ascending = call(collection, {"sort": name, "orderBy": "asc"})[collection]
            descending = call(collection, {"sort": name, "orderBy": "DESC"})[collection]
            if name == "sourcedId":
                continue  # sourcedIds sort in our keys' order (a keyed permutation)
            values = [record.get(name, "") for record in ascending]
            assert values == sorted(values), (collection, name)
            down = [record.get(name, "") for record in descending]
            assert down == sorted(down, reverse=True), (collection, name)


def test_sort_by_text_and_date_with_either_case_of_order(call, world):
    spring, autumn = (ids.encode("ses", world["intakes"][key].pk) for key in ("spring", "autumn"))
    assert sids(call("academicSessions", {"sort": "startDate", "orderBy": "desc"})) == [autumn, spring]
    assert sids(call("academicSessions", {"sort": "startDate", "orderBy": "Asc"})) == [spring, autumn]
    enrolments = [ids.encode("enr", world[key].pk) for key in ("enrolled", "admitted", "withdrawn")]
    assert sids(call("enrollments", {"sort": "sourcedId", "orderBy": "DESC"})) == enrolments[::-1]
    assert sids(call("enrollments", {"sort": "beginDate", "orderBy": "desc"}))[0] == enrolments[2]
    # A page past the first keeps the order (its keys are chosen by a subquery, then read in full).
    by_title = sids(call("classes", {"sort": "title", "orderBy": "desc"}))
    assert [
        sids(call("classes", {"sort": "title", "orderBy": "desc", "limit": "1", "offset": str(n)}))[0]
        for n in range(3)
    ] == by_title
    assert (
        sids(call("enrollments", {"sort": "sourcedId", "orderBy": "desc", "limit": "2", "offset": "1"}))
        == enrolments[1::-1]
    )


@pytest.mark.parametrize(
    "params, description",
    [
        ({"sort": "password"}, "这里不能按字段“password”排序。"),
        ({"sort": "user.sourcedId"}, "这里不能按字段“user.sourcedId”排序。"),
        ({"sort": "Role"}, "这里不能按字段“Role”排序。"),
        ({"orderBy": "up"}, "orderBy 只能是 asc 或 desc。"),
        ({"orderBy": ""}, "orderBy 只能是 asc 或 desc。"),
        ({"sort": "role", "orderBy": "descending"}, "orderBy 只能是 asc 或 desc。"),
    ],
)
def test_bad_sorts_answer_invaliddata(call, world, params, description):
    assert call("enrollments", params, status=400) == status_info(description, "invaliddata")


# --- fields -----------------------------------------------------------------------------------------


def test_fields_selects_and_may_name_any_field_of_the_schema(call, world):
    enrolled = ids.encode("enr", world["enrolled"].pk)
    body = call("enrollments", {"fields": "sourcedId,status", "limit": "1"})
    assert body == {"enrollments": [{"sourcedId": enrolled, "status": "active"}]}
    # endDate is in the schema; we have none, so it stays absent.
    body = call(f"enrollments/{enrolled}", {"fields": "sourcedId,endDate"})
    assert body == {"enrollment": {"sourcedId": enrolled}}


@pytest.mark.parametrize("fields, name", [("sourcedId,secret", "secret"), ("SOURCEDID", "SOURCEDID")])
def test_bad_fields_answer_invalid_selection_field(call, world, fields, name):
    expected = status_info(f"这里没有字段“{name}”。", "invalid_selection_field")
    assert call("enrollments", {"fields": fields}, status=400) == expected
    assert (
        call(f"enrollments/{ids.encode('enr', world['enrolled'].pk)}", {"fields": fields}, status=400)
        == expected
    )


# --- delta sync ---------------------------------------------------------------------------------


def test_delta_sync_converges(call, world):
    """A client asks for what changed after the newest dateLastModified it saw, until nothing has."""
    seen = max(record["dateLastModified"] for record in call("enrollments")["enrollments"])
    # The stored value has microseconds; the shown one milliseconds. Still, nothing is newer.
    assert call("enrollments", {"filter": f"dateLastModified>'{seen}'"}) == {"enrollments": []}
    assert call("enrollments", {"filter": f"dateLastModified>'{seen}'"}) == {"enrollments": []}
    newest = [r for r in call("enrollments")["enrollments"] if r["dateLastModified"] == seen]
    assert sids(call("enrollments", {"filter": f"dateLastModified='{seen}'"})) == sids({"e": newest})
    assert sids(call("enrollments", {"filter": f"dateLastModified>='{seen}'"})) == sids({"e": newest})
    assert (
        call("enrollments", {"filter": f"dateLastModified<='{seen}'"})["enrollments"]
        == call("enrollments")["enrollments"]
    )
    # A withdrawal later shows up once, with status tobedeleted, then the set is empty again.
    admitted = world["admitted"]
    later = timezone.now() + dt.timedelta(seconds=1)
    Enrolment.objects.filter(pk=admitted.pk).update(status=Enrolment.Status.WITHDRAWN, updated_at=later)
    changed = call("enrollments", {"filter": f"dateLastModified>'{seen}'"})["enrollments"]
    assert [(r["sourcedId"], r["status"], r["dateLastModified"]) for r in changed] == [
        (ids.encode("enr", admitted.pk), "tobedeleted", stamp(later))
    ]
    assert call("enrollments", {"filter": f"dateLastModified>'{stamp(later)}'"}) == {"enrollments": []}


def test_delta_sync_compares_at_millisecond_precision(call, world):
    enrolled = world["enrolled"]
    moment = dt.datetime(2026, 11, 30, 8, 15, 42, 123987, tzinfo=dt.UTC)
    Enrolment.objects.filter(pk=enrolled.pk).update(updated_at=moment)
    mine = [ids.encode("enr", enrolled.pk)]

    def found(operator: str, value: str) -> bool:
        body = call(
            "enrollments", {"filter": f"dateLastModified{operator}'{value}' AND sourcedId='{mine[0]}'"}
        )
        return sids(body) == mine

    assert call(f"enrollments/{mine[0]}")["enrollment"]["dateLastModified"] == "2026-11-30T08:15:42.123Z"
    assert [found(op, "2026-11-30T08:15:42.123Z") for op in ("=", "!=", ">", ">=", "<", "<=")] == [
        True,
        False,
        False,
        True,
        False,
        True,
    ]
    assert [found(op, "2026-11-30T08:15:42.122Z") for op in ("=", ">", "<")] == [False, True, False]
    assert [found(op, "2026-11-30T08:15:42.124Z") for op in ("=", ">", "<")] == [False, False, True]
    # A value with more digits is read at milliseconds too; a zone offset is understood.
    assert found("=", "2026-11-30T08:15:42.123999Z")
    assert found("=", "2026-11-30T16:15:42.123+08:00")


# --- paging -------------------------------------------------------------------------------------


def test_limit_offset_headers(call, world):
    made = [ids.encode("enr", world[key].pk) for key in ("enrolled", "admitted", "withdrawn")]
    body = call("enrollments", {"limit": "1", "offset": "1"})
    assert sids(body) == made[1:2]
    url = HOST + "enrollments?limit=1&offset="
    assert call.last["X-Total-Count"] == "3"
    assert call.last["Link"] == (
        f'<{url}0>; rel="first", <{url}2>; rel="last", <{url}2>; rel="next", <{url}0>; rel="prev"'
    )
    body = call("enrollments", {"filter": "status='active'", "limit": "5000"})
    assert sids(body) == made[:2]
    assert call.last["X-Total-Count"] == "2"
    assert call("enrollments", {"offset": "10"}) == {"enrollments": []}
    assert call.last["X-Total-Count"] == "3"


def test_limit_defaults_to_100(call, uni_a):
    offering = OfferingFactory(
        programme=ProgrammeFactory(university=uni_a), intake=IntakeFactory(), seat_limit=200
    )
    for _ in range(101):
        factories.enrolment(uni_a, Enrolment.Status.ADMITTED, offering=offering)
    body = call("enrollments")
    assert len(body["enrollments"]) == 100
    assert call.last["X-Total-Count"] == "101"
    assert 'offset=100>; rel="next"' in call.last["Link"]


def test_a_large_limit_is_streamed_not_refused(call, world):
    body = call("enrollments", {"limit": "100000"})
    assert call.last.streaming
    assert sids(body) == [ids.encode("enr", world[key].pk) for key in ("enrolled", "admitted", "withdrawn")]
    assert call.last["X-Total-Count"] == "3"
    body = call("users", {"limit": "99999999999999999999", "fields": "sourcedId"})
    assert len(body["users"]) == 3


@pytest.fixture
def eight(world, uni_a):
    """Five more enrolments of university A beside the world's three: two withdrawn (ties on
    status), one in each intake (ties on beginDate), one student without a birth date (a NULL)."""
    classes = world["classes"]
    made = [
        factories.enrolment(
            uni_a, Enrolment.Status.ADMITTED, offering=classes["accounting_spring"], consent=True
        ),
        factories.enrolment(
            uni_a, Enrolment.Status.WITHDRAWN, offering=classes["commerce_spring"], consent=True
        ),
        factories.enrolment(uni_a, offering=classes["commerce_autumn"], consent=True),
        factories.enrolment(uni_a, Enrolment.Status.WITHDRAWN, offering=classes["accounting_spring"]),
        factories.enrolment(
            uni_a, Enrolment.Status.ADMITTED, offering=classes["commerce_autumn"], consent=True
        ),
    ]
    WorkerProfile.objects.filter(user=made[2].worker).update(birth_date=None)
    return made


@pytest.mark.parametrize(
    "path, params, total",
    [
        ("enrollments", {}, 8),
        ("enrollments", {"sort": "status", "orderBy": "desc"}, 8),
        ("enrollments", {"sort": "beginDate"}, 8),
        ("enrollments", {"filter": "status='active'", "sort": "dateLastModified", "orderBy": "desc"}, 5),
        ("users", {"sort": "familyName"}, 8),
        ("demographics", {"sort": "birthDate", "orderBy": "desc"}, 5),
        ("demographics", {"sort": "birthDate"}, 5),
    ],
)
def test_every_page_is_the_same_slice_of_one_order_from_either_end(call, eight, path, params, total):
    # Pages in the back half are read from the other end of the order (views.page_keys): each page
    # must still be exactly its slice of the forward order, ties and NULLs included.
    whole = sids(call(path, {**params, "limit": "1000"}))
    assert len(whole) == total
    for offset in range(total + 2):
        page = sids(call(path, {**params, "limit": "3", "offset": str(offset)}))
        assert page == whole[offset : offset + 3], offset
        assert call.last["X-Total-Count"] == str(total)


def test_the_last_page_and_its_headers_follow_a_change_at_once(call, world, uni_a):
    offering = world["classes"]["commerce_autumn"]
    for _ in range(3):
        factories.enrolment(uni_a, Enrolment.Status.ADMITTED, offering=offering)
    url = HOST + "enrollments?limit=2&offset="
    body = call("enrollments", {"limit": "2", "offset": "4"})
    assert call.last["X-Total-Count"] == "6"
    assert call.last["Link"] == f'<{url}0>; rel="first", <{url}4>; rel="last", <{url}2>; rel="prev"'
    added = factories.enrolment(uni_a, Enrolment.Status.ADMITTED, offering=offering)
    assert sids(call("enrollments", {"limit": "2", "offset": "4"})) == sids(body)
    assert call.last["X-Total-Count"] == "7"
    assert sids(call("enrollments", {"limit": "2", "offset": "6"})) == [ids.encode("enr", added.pk)]
    assert call.last["Link"] == f'<{url}0>; rel="first", <{url}6>; rel="last", <{url}4>; rel="prev"'
    Enrolment.objects.filter(pk=added.pk).update(status=Enrolment.Status.REJECTED)  # now hidden
    assert sids(call("enrollments", {"limit": "2", "offset": "4"})) == sids(body)
    assert call.last["X-Total-Count"] == "6"
    assert call("enrollments", {"limit": "2", "offset": "6"}) == {"enrollments": []}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "-1"},
        {"limit": "1.5"},
        {"limit": "ten"},
        {"limit": ""},
        {"limit": " 5"},
        {"limit": "+5"},
        {"offset": "-1"},
        {"offset": "x"},
        {"offset": "0.0"},
        {"offset": ""},
    ],
)
def test_bad_limits_answer_invaliddata(call, world, params):
    assert call("enrollments", params, status=400) == status_info(
        "limit 须为不小于 1 的整数，offset 须为不小于 0 的整数。", "invaliddata"
    )


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "client_name, status, code",
    [
        ("anonymous", 401, "unauthorisedrequest"),
        ("expired", 401, "unauthorisedrequest"),
        ("garbage_token", 401, "unauthorisedrequest"),
        ("unmapped", 403, "forbidden"),
        ("uni_a_write_only", 403, "forbidden"),
        ("uni_a_no_scope", 403, "forbidden"),
        ("uni_b", 404, "unknownobject"),
        ("uni_a", 200, None),
    ],
)
@pytest.mark.parametrize("collection, prefix", [("enrollments", "enr"), ("users", "usr"), ("classes", "cls")])
def test_permission_matrix(call, world, client_name, status, code, collection, prefix):
    enrolment = world["enrolled"]
    pk = {"enr": enrolment.pk, "usr": enrolment.worker_id, "cls": enrolment.offering_id}[prefix]
    body = call(f"{collection}/{ids.encode(prefix, pk)}", client=client_name, status=status)
    if code:
        assert body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == code
    if status == 401:
        assert call.last["WWW-Authenticate"].startswith('Bearer realm="partner-api"')


@pytest.mark.parametrize("scope", ["roster.readonly", "roster-core.readonly"])
def test_the_oneroster_scope_names_are_accepted(client_a, world, scope):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {factories.token_for(client_a.application, SCOPE + scope)}"
    )
    assert client.get(f"{BASE}enrollments").status_code == 200
    assert client.get("/api/v1/enrolments/").status_code == 403


def test_nested_collections_need_roster_readonly_not_the_core_scope(client_a, world):
    client = APIClient()
    token = factories.token_for(client_a.application, SCOPE + "roster-core.readonly")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get(f"{BASE}classes/{ids.encode('cls', world['enrolled'].offering_id)}/students")
    assert response.status_code == 403
    conforms(403, response.json())


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, queries",
    [
        # 1: token with its application, 2: the API client with its university, 3: COUNT, 4: the page
        # (a COUNT of 0 says the page is empty: teachers and grading periods, which we never have,
        # make no page statement)
        ("orgs", 4),
        ("schools", 4),
        ("academicSessions", 4),
        ("terms", 4),
        ("gradingPeriods", 3),
        ("courses", 4),
        ("classes", 4),
        ("users", 4),
        ("students", 4),
        ("teachers", 3),
        ("enrollments", 4),
        ("demographics", 4),
        # nested: and 5, the parent exists among the university's own
        ("classes/{class}/students", 5),
        ("classes/{class}/teachers", 4),
        ("courses/{course}/classes", 5),
        ("terms/{term}/classes", 5),
        ("terms/{term}/gradingPeriods", 4),
        ("users/{user}/classes", 5),
        ("students/{user}/classes", 5),
        ("schools/{org}/classes", 5),
        ("schools/{org}/courses", 5),
        ("schools/{org}/enrollments", 5),
        ("schools/{org}/students", 5),
        ("schools/{org}/teachers", 4),
        ("schools/{org}/terms", 5),
        ("schools/{org}/classes/{class}/enrollments", 6),
        ("schools/{org}/classes/{class}/students", 6),
        ("schools/{org}/classes/{class}/teachers", 5),
    ],
)
def test_list_query_counts_do_not_grow(call, world, uni_a, django_assert_num_queries, path, queries):
    offering = world["classes"]["commerce_autumn"]
    for _ in range(5):
        factories.enrolment(uni_a, Enrolment.Status.ADMITTED, offering=offering, consent=True)
    names = {
        "org": ids.encode("org", uni_a.pk),
        "class": ids.encode("cls", offering.pk),
        "course": ids.encode("crs", offering.programme_id),
        "term": ids.encode("ses", offering.intake_id),
        "user": ids.encode("usr", world["enrolled"].worker_id),
    }
    with django_assert_num_queries(queries):
        call(path.format(**names), {"filter": "status='active'", "sort": "dateLastModified"})


def test_a_page_of_the_back_half_makes_the_same_statements_and_past_the_end_one_fewer(
    call, world, django_assert_num_queries
):
    # 1: token, 2: API client, 3: COUNT, 4: the page, its keys walked from the far end
    with django_assert_num_queries(4):
        assert len(call("enrollments", {"limit": "1", "offset": "2"})["enrollments"]) == 1
    # past the end the COUNT already says the page is empty: no walk over every row to find it
    for offset in ("3", str(2**70)):
        with django_assert_num_queries(3):
            assert call("enrollments", {"limit": "1", "offset": offset}) == {"enrollments": []}
        assert call.last["X-Total-Count"] == "3"


# Plans as in tests/core/test_list_plans.py: on a handful of rows the planner would rightly read
# the table, so what a large table makes expensive is switched off.
PAGE_SETTINGS = ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_hashjoin", "enable_mergejoin")


def _page_plan(call, params: dict) -> str:
    with CaptureQueriesContext(connection) as queries:
        call("enrollments", params)
    page_sql = queries.captured_queries[-1]["sql"]
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in PAGE_SETTINGS:
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {page_sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction only
@pytest.mark.parametrize(
    "offset, walk",
    [
        ("0", "Index Only Scan using enrolment_partner_walk_idx on academy_enrolment v0"),
        ("2", "Index Only Scan Backward using enrolment_partner_walk_idx on academy_enrolment v0"),
    ],
)
def test_the_page_keys_are_walked_off_the_covering_index(call, world, offset, walk):
    # As autovacuum leaves a settled table: its visibility map set, so an index-only walk never
    # visits the heap (before it, the planner sees no difference from the primary key's index).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) academy_enrolment")
    plan = _page_plan(call, {"limit": "1", "offset": offset})
    (line,) = [line.strip() for line in plan.splitlines() if " on academy_enrolment v0" in line]
    assert line.removeprefix("->").strip().startswith(walk), plan
    assert "Seq Scan" not in plan, plan


# --- the CSV binding: bulk and delta zips -------------------------------------------------------

CSV_HEADERS = {  # the OneRoster 1.2.1 CSV binding's header rows, verbatim
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions.csv": (
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear"
    ),
    "courses.csv": (
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,"
        "subjectCodes"
    ),
    "classes.csv": (
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
        "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods"
    ),
    "users.csv": (
        "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,"
        "identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,"
        "preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns"
    ),
    "roles.csv": (
        "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,"
        "userProfileSourcedId"
    ),
    "enrollments.csv": (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,"
        "beginDate,endDate"
    ),
    "demographics.csv": (
        "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
        "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,demographicRaceTwoOrMoreRaces,"
        "hispanicOrLatinoEthnicity,countryOfBirthCode,stateOfBirthAbbreviation,cityOfBirth,"
        "publicSchoolResidenceStatus"
    ),
}
MANIFEST_NAMES = [
    "academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
    "demographics", "enrollments", "lineItemLearningObjectiveIds", "lineItems", "lineItemScoreScales",
    "orgs", "resources", "resultLearningObjectiveIds", "results", "resultScoreScales", "roles",
    "scoreScales", "userProfiles", "userResources", "users",
]  # fmt: skip


def read_zip(response) -> dict[str, list[dict[str, str]]]:
    import csv
    import io
    import zipfile

    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    files = {}
    for name in archive.namelist():
        text = archive.read(name).decode()
        header = text.split("\r\n", 1)[0]
        if name != "manifest.csv":
            assert header == CSV_HEADERS[name]
        files[name] = list(csv.DictReader(io.StringIO(text)))
    return files


def manifest(mode: str, present: set[str]) -> list[dict[str, str]]:
    rows = [
        {"propertyName": "manifest.version", "value": "1.0"},
        {"propertyName": "oneroster.version", "value": "1.2"},
    ]
    rows += [
        {"propertyName": f"file.{n}", "value": mode if n in present else "absent"} for n in MANIFEST_NAMES
    ]
    return [*rows, {"propertyName": "source.systemName", "value": "Xiaoge portal"}]


def test_the_bulk_zip_reads_back(api_clients, world, uni_a):
    files = read_zip(api_clients["uni_a"].get(BASE + "csv/bulk.zip"))
    written = {
        "orgs",
        "academicSessions",
        "courses",
        "classes",
        "users",
        "roles",
        "enrollments",
        "demographics",
    }
    assert set(files) == {f"{name}.csv" for name in written} | {"manifest.csv"}
    assert files["manifest.csv"] == manifest("bulk", written)
    org = ids.encode("org", uni_a.pk)
    enrolled, admitted = world["enrolled"], world["admitted"]
    blank = {"status": "", "dateLastModified": ""}  # bulk: both must be blank
    assert files["orgs.csv"] == [
        {
            "sourcedId": org,
            **blank,
            "name": "甲大学",
            "type": "school",
            "identifier": "uni-a",
            "parentSourcedId": "",
        }
    ]
    spring = ids.encode("ses", world["intakes"]["spring"].pk)
    assert files["academicSessions.csv"][0] == {
        "sourcedId": spring, **blank, "title": "2027年春季", "type": "term", "startDate": "2027-03-01",
        "endDate": "2027-08-29", "parentSourcedId": "", "schoolYear": "2027",
    }  # fmt: skip
    accounting = ids.encode("crs", world["programmes"]["accounting"].pk)
    assert files["courses.csv"][0] == {
        "sourcedId": accounting, **blank, "schoolYearSourcedId": "", "title": "会计（本科）",
        "courseCode": "bachelor-会计", "grades": "", "orgSourcedId": org, "subjects": "会计", "subjectCodes": "",
    }  # fmt: skip
    assert files["classes.csv"][0] == {
        "sourcedId": ids.encode("cls", enrolled.offering_id), **blank, "title": "会计（本科） · 2027年春季",
        "grades": "", "courseSourcedId": accounting, "classCode": "bachelor-会计-2027年春季",
        "classType": "scheduled", "location": "", "schoolSourcedId": org, "termSourcedIds": spring,
        "subjects": "会计", "subjectCodes": "", "periods": "",
    }  # fmt: skip
    # The withdrawn student and application are not in the roster as it is now.
    user = ids.encode("usr", enrolled.worker_id)
    assert [row["sourcedId"] for row in files["users.csv"]] == [user, ids.encode("usr", admitted.worker_id)]
    assert files["users.csv"][0] == {
        "sourcedId": user, **blank, "enabledUser": "true", "username": "ZJ2027001",
        "userIds": "{studentNumber:ZJ2027001}", "givenName": "伟", "familyName": "张", "middleName": "",
        "identifier": "ZJ2027001", "email": "zw@example.com", "sms": enrolled.worker.phone,
        "phone": enrolled.worker.phone, "agentSourcedIds": "", "grades": "", "password": "",
        "userMasterIdentifier": "", "preferredGivenName": "", "preferredMiddleName": "",
        "preferredFamilyName": "", "primaryOrgSourcedId": org, "pronouns": "",
    }  # fmt: skip
    assert files["roles.csv"][0] == {
        "sourcedId": ids.encode("rol", enrolled.worker_id), **blank, "userSourcedId": user,
        "roleType": "primary", "role": "student", "beginDate": "", "endDate": "", "orgSourcedId": org,
        "userProfileSourcedId": "",
    }  # fmt: skip
    assert files["enrollments.csv"] == [
        {
            "sourcedId": ids.encode("enr", row.pk), **blank, "classSourcedId": ids.encode("cls", row.offering_id),
            "schoolSourcedId": org, "userSourcedId": ids.encode("usr", row.worker_id), "role": "student",
            "primary": "false", "beginDate": "2027-03-01", "endDate": "",
        }
        for row in (enrolled, admitted)
    ]  # fmt: skip
    assert files["demographics.csv"] == [
        {"sourcedId": user, **blank, "birthDate": "1995-03-12", "sex": enrolled.worker.profile.sex}
        | {name: "" for name in CSV_HEADERS["demographics.csv"].split(",")[5:]}
    ]


def test_the_bulk_zip_has_no_demographics_without_the_sensitive_scope(api_clients, world):
    files = read_zip(api_clients["uni_a_read"].get(BASE + "csv/bulk.zip"))
    assert "demographics.csv" not in files
    assert {"propertyName": "file.demographics", "value": "absent"} in files["manifest.csv"]


def test_the_delta_zip_holds_what_changed_and_converges(api_clients, world):
    client = api_clients["uni_a"]
    later = timezone.now() + dt.timedelta(seconds=5)
    files = read_zip(client.get(BASE + "csv/delta.zip", {"since": stamp(later)}))
    assert files == {"manifest.csv": manifest("delta", set())}  # only the manifest: no updates
    admitted = world["admitted"]
    Enrolment.objects.filter(pk=admitted.pk).update(status=Enrolment.Status.WITHDRAWN, updated_at=later)
    files = read_zip(client.get(BASE + "csv/delta.zip", {"since": stamp(later - dt.timedelta(seconds=1))}))
    assert set(files) == {"manifest.csv", "enrollments.csv", "users.csv", "roles.csv"}
    assert files["manifest.csv"] == manifest("delta", {"enrollments", "users", "roles"})
    [row] = files["enrollments.csv"]
    assert (row["sourcedId"], row["status"], row["dateLastModified"]) == (
        ids.encode("enr", admitted.pk),
        "tobedeleted",
        stamp(later),
    )
    assert [(r["status"], r["dateLastModified"]) for r in files["users.csv"]] == [
        ("tobedeleted", stamp(later))
    ]
    # Asking again after the newest value seen: nothing.
    assert read_zip(client.get(BASE + "csv/delta.zip", {"since": stamp(later)})) == {
        "manifest.csv": manifest("delta", set())
    }


@pytest.mark.parametrize(
    "params, description",
    [
        ({}, "delta.zip 需要 since：带时区的日期和时间。"),
        ({"since": ""}, "delta.zip 需要 since：带时区的日期和时间。"),
        ({"since": "yesterday"}, "since 须为带时区的 ISO 8601 日期时间，例如 2026-03-01T08:00:00+08:00。"),
        (
            {"since": "2026-03-01T08:00:00"},
            "since 须为带时区的 ISO 8601 日期时间，例如 2026-03-01T08:00:00+08:00。",
        ),
    ],
)
def test_a_bad_since_answers_invaliddata(api_clients, world, params, description):
    response = api_clients["uni_a"].get(BASE + "csv/delta.zip", params)
    assert response.status_code == 400
    assert response.json() == status_info(description, "invaliddata")
    conforms(400, response.json())


@pytest.mark.parametrize(
    "client_name, status", [("anonymous", 401), ("unmapped", 403), ("uni_a_write_only", 403), ("uni_b", 200)]
)
def test_the_zips_access(api_clients, world, client_name, status):
    response = api_clients[client_name].get(BASE + "csv/bulk.zip")
    assert response.status_code == status
    if status == 200:  # university B gets its own roster only
        files = read_zip(response)
        assert [row["sourcedId"] for row in files["enrollments.csv"]] == [
            ids.encode("enr", world["foreign"].pk)
        ]
    else:
        conforms(status, response.json())
