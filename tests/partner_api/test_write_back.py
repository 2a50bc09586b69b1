"""PATCH /api/v1/enrolments/{id}/ and POST …/credits/: through academy.actions, with their transition rules."""

import pytest

from academy.models import CreditRecord, Enrolment, EnrolmentEvent
from core.models import AuditEntry
from tests.partner_api import factories

pytestmark = pytest.mark.django_db
Status = Enrolment.Status


def url(enrolment) -> str:
    return f"/api/v1/enrolments/{enrolment.pk}/"


def test_confirming_with_a_student_number_enrols_the_student(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a, status=Status.ADMITTED)
    response = api_clients["uni_a"].patch(url(enrolment), {"student_number": " ZJ2027001 "}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["student_number"]) == ("enrolled", "ZJ2027001")
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.student_number) == (Status.ENROLLED, "ZJ2027001")
    event = enrolment.events.last()
    assert (event.from_status, event.to_status, event.actor_role) == ("admitted", "enrolled", "university")
    entry = AuditEntry.objects.get(action="enrolment.enrol", target_id=str(enrolment.pk))
    # The audit row names the partner client that wrote back (the OAuth application of the token).
    assert (entry.actor_id, entry.data) == (None, {"api_client": "uni-a", "university": uni_a.pk})


def test_the_same_report_twice_is_answered_not_refused(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a, status=Status.ADMITTED)
    payload = {"student_number": "ZJ2027001", "status": "enrolled"}
    first = api_clients["uni_a"].patch(url(enrolment), payload, format="json")
    second = api_clients["uni_a"].patch(url(enrolment), payload, format="json")
    assert (first.status_code, second.status_code) == (200, 200)
    assert enrolment.events.filter(to_status="enrolled").count() == 1


def test_complete_and_withdraw(api_clients, uni_a):
    finished = factories.enrolment(uni_a)
    response = api_clients["uni_a"].patch(url(finished), {"status": "completed"}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "completed")
    leaving = factories.enrolment(uni_a)
    taken = leaving.offering.seats_taken
    response = api_clients["uni_a"].patch(
        url(leaving), {"status": "withdrawn", "reason": "本人申请退学"}, format="json"
    )
    assert (response.status_code, response.json()["status"]) == (200, "withdrawn")
    leaving.offering.refresh_from_db()
    assert leaving.offering.seats_taken == taken - 1
    assert leaving.events.last().reason == "本人申请退学"
    entries = AuditEntry.objects.filter(action__in=["enrolment.complete", "enrolment.drop"]).order_by("pk")
    assert [(e.action, e.target_id, e.data) for e in entries] == [
        ("enrolment.complete", str(finished.pk), {"api_client": "uni-a", "university": uni_a.pk}),
        ("enrolment.drop", str(leaving.pk), {"api_client": "uni-a", "university": uni_a.pk}),
    ]


def test_a_refused_transition_is_409_with_the_reason_and_changes_nothing(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a, status=Status.ADMITTED)
    response = api_clients["uni_a"].patch(url(enrolment), {"status": "completed"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "message": f"第{enrolment.pk}号申请目前是“已录取”，现在不能结业。",
        "extra": {},
    }
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ADMITTED
    assert enrolment.events.count() == 1


def test_enrolling_without_a_student_number_is_refused(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a, status=Status.ADMITTED)
    response = api_clients["uni_a"].patch(url(enrolment), {"status": "enrolled"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"message": "确认注册需要学号。", "extra": {}}
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ADMITTED


@pytest.mark.parametrize(
    "payload, fields",
    [
        ({}, {"non_field_errors": ["请提供 student_number、status，或两者都提供。"]}),
        ({"status": "admitted"}, {"status": ["“admitted” 不是合法选项。"]}),
        (
            {"status": "enrolled", "student_number": "x" * 41},
            {"student_number": ["请确保这个字段不能超过 40 个字符。"]},
        ),
        (  # it would go on to the worker by SMS and inbox
            {"status": "enrolled", "student_number": "A1\x07\x1b[31m"},
            {"student_number": ["此栏含有控制字符，请删除后再试。"]},
        ),
        (
            {"status": "withdrawn", "reason": "x\x1b[2Jy"},
            {"reason": ["此栏含有控制字符，请删除后再试。"]},
        ),
    ],
)
def test_bad_write_back_input(api_clients, uni_a, payload, fields):
    enrolment = factories.enrolment(uni_a, status=Status.ADMITTED)
    response = api_clients["uni_a"].patch(url(enrolment), payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "message": "输入有误：请查看“extra”中列出的字段。",
        "extra": {"fields": fields},
    }
    enrolment.refresh_from_db()
    assert enrolment.status == Status.ADMITTED


@pytest.mark.parametrize(
    "client_name, status",
    [
        ("anonymous", 401),
        ("expired", 401),
        ("unmapped", 403),
        ("uni_a_read", 403),
        ("uni_b", 404),
        ("uni_a_write_only", 200),
    ],
)
def test_write_back_permissions(api_clients, uni_a, client_name, status):
    enrolment = factories.enrolment(uni_a, status=Status.ADMITTED)
    response = api_clients[client_name].patch(url(enrolment), {"student_number": "ZJ1"}, format="json")
    assert response.status_code == status
    enrolment.refresh_from_db()
    assert enrolment.status == (Status.ENROLLED if status == 200 else Status.ADMITTED)


def test_credits_are_recorded_per_study_year_and_corrected(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a)
    response = api_clients["uni_a"].post(
        f"{url(enrolment)}credits/", {"study_year": 1, "credits": "28.5"}, format="json"
    )
    assert response.status_code == 201
    record = CreditRecord.objects.get(enrolment=enrolment)
    assert response.json() == {
        "study_year": 1,
        "credits": "28.5",
        "updated_at": response.json()["updated_at"],
    }
    assert (record.study_year, str(record.credits), record.recorded_role) == (1, "28.5", "university")
    api_clients["uni_a"].post(f"{url(enrolment)}credits/", {"study_year": 1, "credits": "30"}, format="json")
    assert [str(r.credits) for r in CreditRecord.objects.filter(enrolment=enrolment)] == ["30.0"]
    detail = api_clients["uni_a"].get(url(enrolment)).json()
    assert [(c["study_year"], c["credits"]) for c in detail["credits"]] == [(1, "30.0")]
    entries = AuditEntry.objects.filter(action="enrolment.credits", target_id=str(enrolment.pk)).order_by(
        "pk"
    )
    assert [(e.actor_id, e.data) for e in entries] == [
        (
            None,
            {
                "study_year": 1,
                "credits": "28.5",
                "correction": False,
                "api_client": "uni-a",
                "university": uni_a.pk,
            },
        ),
        (
            None,
            {
                "study_year": 1,
                "credits": "30.0",
                "correction": True,
                "api_client": "uni-a",
                "university": uni_a.pk,
            },
        ),
    ]


@pytest.mark.parametrize(
    "payload, fields",
    [
        ({"study_year": 0, "credits": "10"}, {"study_year": ["请确保该值大于或者等于 1。"]}),
        ({"study_year": 7, "credits": "10"}, {"study_year": ["请确保该值小于或者等于 6。"]}),
        ({"study_year": 1, "credits": "-1"}, {"credits": ["请确保该值大于或者等于 0。"]}),
        ({"study_year": 1, "credits": "200.5"}, {"credits": ["请确保该值小于或者等于 200。"]}),
        ({"study_year": 1, "credits": "abc"}, {"credits": ["请填写合法的数字。"]}),
        ({"study_year": 1}, {"credits": ["该字段是必填项。"]}),
    ],
)
def test_bad_credits_input(api_clients, uni_a, payload, fields):
    enrolment = factories.enrolment(uni_a)
    response = api_clients["uni_a"].post(f"{url(enrolment)}credits/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "message": "输入有误：请查看“extra”中列出的字段。",
        "extra": {"fields": fields},
    }
    assert not CreditRecord.objects.exists()


def test_credits_for_a_student_not_enrolled_are_409(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a, status=Status.ADMITTED)
    response = api_clients["uni_a"].post(
        f"{url(enrolment)}credits/", {"study_year": 1, "credits": "20"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {"message": "只有已注册入学的学员才能登记学分（目前是“已录取”）。", "extra": {}}
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize(
    "client_name, status",
    [("anonymous", 401), ("expired", 401), ("uni_a_read", 403), ("uni_b", 404), ("uni_a", 201)],
)
def test_credits_permissions(api_clients, uni_a, client_name, status):
    enrolment = factories.enrolment(uni_a)
    response = api_clients[client_name].post(
        f"{url(enrolment)}credits/", {"study_year": 1, "credits": "20"}, format="json"
    )
    assert response.status_code == status
    assert CreditRecord.objects.count() == (1 if status == 201 else 0)
    assert EnrolmentEvent.objects.filter(enrolment=enrolment).count() == 1
