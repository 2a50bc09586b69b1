"""Staff review in admin: decisions through academy.actions, CSV export, flat query counts."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from academy.models import Enrolment, Intake, Offering
from accounts import roles
from accounts.models import User
from tests.academy.factories import EnrolmentFactory, IntakeFactory, OfferingFactory, ProgrammeFactory
from tests.csv_safety import ESCAPED, INJECTION, csv_rows, formula_cells
from tests.factories import StaffFactory, WorkerProfileFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:academy_enrolment_changelist")
DECIDE = reverse("admin:academy_enrolment_decide")


@pytest.fixture
def checker(client):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=roles.CHECKER))
    client.force_login(user)
    return user


def test_checker_admits_one_application(client, checker):
    enrolment = EnrolmentFactory()
    response = client.post(DECIDE, {"ids": str(enrolment.pk), "decision": "admit", "reason": ""})
    assert response["Location"] == reverse("admin:academy_enrolment_change", args=[enrolment.pk])
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.decided_by_id) == ("admitted", checker.pk)


def test_bulk_action_leads_to_the_decision_page(client, checker):
    first, second = EnrolmentFactory(), EnrolmentFactory()
    response = client.post(
        CHANGELIST, {"action": "decide_selected", "_selected_action": [first.pk, second.pk], "index": 0}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"{DECIDE}?ids=")
    page = client.get(response["Location"]).content.decode()
    assert "2 份申请" in page
    response = client.post(
        DECIDE, {"ids": f"{first.pk},{second.pk}", "decision": "reject", "reason": "材料不全"}
    )
    assert response["Location"] == CHANGELIST
    assert set(Enrolment.objects.values_list("status", "decision_reason")) == {("rejected", "材料不全")}


def test_reject_without_reason_is_refused_and_nothing_changes(client, checker):
    enrolment = EnrolmentFactory()
    response = client.post(DECIDE, {"ids": str(enrolment.pk), "decision": "reject", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["请填写不录取的原因，申请人会看到。"]}
    enrolment.refresh_from_db()
    assert enrolment.status == "submitted"


def test_admitting_beyond_the_seat_limit_gives_a_clear_message(client, checker):
    offering = OfferingFactory(seat_limit=1)
    first, second = EnrolmentFactory(offering=offering), EnrolmentFactory(offering=offering)
    response = client.post(DECIDE, {"ids": f"{first.pk},{second.pk}", "decision": "admit"}, follow=True)
    texts = [str(message) for message in response.context["messages"]]
    assert texts == [
        f"#{second.pk}: {offering}已没有空余名额（共1个，已全部录取）。可以先将申请列入候补。",
        "已处理 1 份申请。",
    ]
    second.refresh_from_db()
    assert second.status == "submitted"


def test_status_is_not_editable_in_admin(client, checker):
    enrolment = EnrolmentFactory()
    page = client.get(reverse("admin:academy_enrolment_change", args=[enrolment.pk])).content.decode()
    assert 'name="status"' not in page
    assert enrolment.worker.profile.id_number_masked in page
    client.post(reverse("admin:academy_enrolment_change", args=[enrolment.pk]), {"status": "admitted"})
    enrolment.refresh_from_db()
    assert enrolment.status == "submitted"


def test_staff_without_the_decide_permission_cannot_decide(client):
    enrolment = EnrolmentFactory()
    viewer = StaffFactory()
    viewer.groups.add(Group.objects.get(name=roles.APPROVER))
    client.force_login(viewer)
    assert client.post(DECIDE, {"ids": str(enrolment.pk), "decision": "admit"}).status_code == 403
    enrolment.refresh_from_db()
    assert enrolment.status == "submitted"


def test_certificate_is_viewable_by_staff_only(client, checker):
    enrolment = EnrolmentFactory()
    assert client.get(reverse("academy:certificate_file", args=[enrolment.pk])).status_code == 200
    client.force_login(WorkerProfileFactory().user)
    assert client.get(reverse("academy:certificate_file", args=[enrolment.pk])).status_code == 404


def test_csv_export_follows_the_filters(client, checker):
    kept = EnrolmentFactory(status="waitlisted")
    EnrolmentFactory(status="submitted")
    response = client.get(reverse("admin:academy_enrolment_export"), {"status__exact": "waitlisted"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith(
        "\ufeff申请编号,姓名,手机号码,身份证号码,职业,街道,专业,招生批次,状态,提交时间,决定时间,原因,学号\r\n"
    )
    lines = body.strip().split("\r\n")
    assert len(lines) == 2
    assert lines[1].startswith(f"{kept.pk},{kept.worker.real_name},{kept.worker.phone_display},")
    assert kept.worker.profile.id_number() not in body


def make_enrolments(count: int) -> None:
    """count applications over 100 intakes (one live application per worker per intake)."""
    workers = [WorkerProfileFactory().user for _ in range(min(count, 100))]
    programme = ProgrammeFactory()
    intakes = [IntakeFactory() for _ in range(max(1, count // len(workers)))]
    offerings = [
        Offering.objects.create(programme=programme, intake=intake, seat_limit=200) for intake in intakes
    ]
    now = timezone.now()
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                worker=worker,
                offering=offering,
                intake_id=offering.intake_id,
                status="submitted",
                submitted_at=now,
            )
            for offering in offerings
            for worker in workers
        ][:count],
        batch_size=2000,
    )


@pytest.mark.parametrize("count", [100, 10_000])
def test_changelist_query_count_is_the_same_at_100_and_10000(
    client, checker, django_assert_num_queries, count
):
    make_enrolments(count)
    assert Enrolment.objects.count() == count
    assert Intake.objects.count() >= 1
    # session, user, user permissions, group permissions, intake and programme filter choices,
    # the capped count (never a full COUNT(*)), the page with worker/profile/programme/intake joined
    with django_assert_num_queries(8):
        response = client.get(CHANGELIST, {"status__exact": "submitted"})
    assert response.status_code == 200


def test_checker_and_approver_permissions():
    def codenames(name):
        return set(
            Group.objects.get(name=name)
            .permissions.filter(content_type__app_label="academy")
            .values_list("codename", flat=True)
        )

    read = {
        "view_university",
        "view_programme",
        "view_intake",
        "view_offering",
        "view_enrolment",
        "view_enrolmentevent",
    }
    # Checkers also see which partner API clients exist (academy/migrations/0005).
    assert codenames(roles.CHECKER) == read | {"decide_enrolment", "view_apiclient"}
    assert codenames(roles.APPROVER) == read


def test_search_by_phone_as_people_type_it(client, checker):
    wanted = EnrolmentFactory()
    EnrolmentFactory()
    client.force_login(checker)
    response = client.get(CHANGELIST, {"q": wanted.worker.phone_display})
    assert [enrolment.pk for enrolment in response.context["cl"].result_list] == [wanted.pk]


def test_csv_export_escapes_cells_a_spreadsheet_would_run(client, checker):
    kept = EnrolmentFactory(status="waitlisted")
    User.objects.filter(pk=kept.worker_id).update(real_name=INJECTION)
    Enrolment.objects.filter(pk=kept.pk).update(decision_reason="@SUM(1)", student_number="-2+3")
    rows = csv_rows(client.get(reverse("admin:academy_enrolment_export")))
    assert rows[1][1] == ESCAPED
    assert rows[1][11:] == ["'@SUM(1)", "'-2+3"]
    assert formula_cells(rows) == []
