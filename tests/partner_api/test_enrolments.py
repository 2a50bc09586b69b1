"""/api/v1/enrolments/: scoped reads, filters, cursor pages, masked and full ID numbers, permissions."""

import pytest
from django.utils import timezone

from academy.models import Enrolment
from tests.academy.factories import EnrolmentFactory, OfferingFactory
from tests.partner_api import factories

pytestmark = pytest.mark.django_db


def iso(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def body(enrolment: Enrolment, *, id_number: str, full: bool = False, credits=()) -> dict:
    profile = enrolment.worker.profile
    programme = enrolment.offering.programme
    return {
        "id": enrolment.pk,
        "status": enrolment.status,
        "student_number": enrolment.student_number,
        "student": {
            "name": enrolment.worker.real_name,
            "phone": enrolment.worker.phone,
            "id_number": id_number,
            "id_number_is_full": full,
            "sex": profile.sex,
            # Beside a masked number the birth date would complete it (core.privacy).
            "birth_date": str(profile.birth_date) if full and profile.birth_date else None,
            "occupation": "courier",
            "education": "senior_high",
        },
        "programme": {"id": programme.pk, "level": "associate", "major": programme.major},
        "intake": {"id": enrolment.intake_id, "name": enrolment.intake.name},
        "submitted_at": iso(enrolment.submitted_at),
        "decided_at": iso(enrolment.decided_at),
        "created_at": iso(enrolment.created_at),
        "updated_at": iso(enrolment.updated_at),
        "credits": list(credits),
    }


def test_detail_is_the_whole_record_with_the_id_number_masked_without_consent(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a)
    enrolment.refresh_from_db()
    response = api_clients["uni_a"].get(f"/api/v1/enrolments/{enrolment.pk}/")
    assert response.status_code == 200
    assert response.json() == body(enrolment, id_number=enrolment.worker.profile.id_number_masked)
    assert enrolment.worker.profile.id_number() not in response.content.decode()


def test_full_id_number_needs_both_the_sensitive_scope_and_the_students_consent(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a, consent=True)
    profile = enrolment.worker.profile
    full = api_clients["uni_a"].get(f"/api/v1/enrolments/{enrolment.pk}/").json()["student"]
    assert (full["id_number"], full["id_number_is_full"]) == (profile.id_number(), True)
    masked = api_clients["uni_a_read"].get(f"/api/v1/enrolments/{enrolment.pk}/").json()["student"]
    assert (masked["id_number"], masked["id_number_is_full"]) == (profile.id_number_masked, False)


def test_withdrawn_consent_masks_again(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a, consent=True)
    enrolment.worker.consents.update(withdrawn_at=timezone.now())
    student = api_clients["uni_a"].get(f"/api/v1/enrolments/{enrolment.pk}/").json()["student"]
    assert (student["id_number"], student["id_number_is_full"]) == (
        enrolment.worker.profile.id_number_masked,
        False,
    )


@pytest.mark.parametrize("status", ["draft", "submitted", "waitlisted", "rejected"])
def test_applications_never_admitted_are_not_the_universitys_business(api_clients, uni_a, status):
    offering = factories.enrolment(uni_a).offering
    hidden = EnrolmentFactory(offering=offering, status=status)
    response = api_clients["uni_a"].get(f"/api/v1/enrolments/{hidden.pk}/")
    assert response.status_code == 404
    assert response.json() == {"message": "未找到。", "extra": {}}
    listed = [row["id"] for row in api_clients["uni_a"].get("/api/v1/enrolments/").json()["results"]]
    assert hidden.pk not in listed


def test_withdrawn_before_admission_is_hidden_but_dropped_after_admission_is_listed(api_clients, uni_a):
    dropped = factories.enrolment(uni_a, status=Enrolment.Status.WITHDRAWN)
    withdrawn_early = EnrolmentFactory(offering=dropped.offering, status=Enrolment.Status.WITHDRAWN)
    listed = [row["id"] for row in api_clients["uni_a"].get("/api/v1/enrolments/").json()["results"]]
    assert listed == [dropped.pk]
    assert withdrawn_early.pk != dropped.pk


def test_list_filters(api_clients, uni_a):
    first = factories.enrolment(uni_a)
    second = factories.enrolment(uni_a, status=Enrolment.Status.ADMITTED)
    client = api_clients["uni_a"]

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/enrolments/?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [first.pk, second.pk]
    assert ids(f"intake={first.intake_id}") == [first.pk]
    assert ids(f"programme={second.offering.programme_id}") == [second.pk]
    assert ids("status=admitted") == [second.pk]
    Enrolment.objects.filter(pk=first.pk).update(updated_at=timezone.now() - timezone.timedelta(days=3))
    since = (timezone.now() - timezone.timedelta(days=1)).isoformat()
    assert ids("updated_since=" + since.replace("+", "%2B")) == [second.pk]


@pytest.mark.parametrize(
    "query, fields",
    [
        ("status=draft", {"status": ["“draft”不在可选项中，请从列表中选择。"]}),
        ("intake=abc", {"intake": ["请填写整数。"]}),
        ("programme=0", {"programme": ["不能小于 1。"]}),
        (
            "updated_since=yesterday",
            {"updated_since": ["updated_since 须为 ISO 8601 日期时间，例如 2026-03-01T08:00:00+08:00。"]},
        ),
    ],
)
def test_bad_filters_answer_400_with_the_field(api_clients, uni_a, query, fields):
    response = api_clients["uni_a"].get(f"/api/v1/enrolments/?{query}")
    assert response.status_code == 400
    assert response.json() == {
        "message": "输入有误：请查看“extra”中列出的字段。",
        "extra": {"fields": fields},
    }


def test_cursor_pages_walk_every_row_once_in_a_stable_order(api_clients, uni_a):
    offering = OfferingFactory(programme__university=uni_a)
    made = [factories.enrolment(uni_a, offering=offering).pk for _ in range(7)]
    seen, url = [], "/api/v1/enrolments/?page_size=3"
    while url:
        page = api_clients["uni_a"].get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == made


def test_page_size_is_capped_at_1000_and_a_forged_cursor_is_404(api_clients, uni_a):
    factories.enrolment(uni_a)
    assert len(api_clients["uni_a"].get("/api/v1/enrolments/?page_size=5000").json()["results"]) == 1
    response = api_clients["uni_a"].get("/api/v1/enrolments/?cursor=bm9wZQ")
    assert response.status_code == 404
    assert response.json() == {"message": "无效游标", "extra": {}}


@pytest.mark.parametrize("page_size", [10, 1000])
def test_page_query_count_does_not_grow_with_the_page(
    api_clients, uni_a, page_size, django_assert_num_queries
):
    offering = OfferingFactory(programme__university=uni_a)
    for _ in range(12):
        factories.enrolment(uni_a, offering=offering, consent=True)
    # 1: token with its application, 2: the university client,
    # 3: the page with its joins and the consent subquery, 4: the credits of the page's rows.
    with django_assert_num_queries(4):
        response = api_clients["uni_a"].get(f"/api/v1/enrolments/?page_size={page_size}")
    assert len(response.json()["results"]) == min(page_size, 12)


def test_programmes_and_intakes_are_the_universitys_own(api_clients, uni_a, uni_b):
    mine = factories.enrolment(uni_a).offering
    factories.enrolment(uni_b)
    programmes = api_clients["uni_a"].get("/api/v1/programmes/").json()
    assert programmes == {
        "next": None,
        "previous": None,
        "results": [
            {
                "id": mine.programme.pk,
                "level": "associate",
                "major": mine.programme.major,
                "tuition": "7200.00",
                "duration_years": "2.5",
                "credits_required": 80,
                "is_active": True,
            }
        ],
    }
    intakes = api_clients["uni_a"].get("/api/v1/intakes/").json()["results"]
    assert [row["id"] for row in intakes] == [mine.intake_id]
    assert set(intakes[0]) == {"id", "name", "applications_open_at", "applications_close_at", "starts_on"}
