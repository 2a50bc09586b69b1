"""Staff in admin: check and approve by two people, the budget in view, finance CSV, flat query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from academy.actions import enrolment_confirm
from academy.models import Enrolment
from accounts import roles
from accounts.models import User
from subsidies.models import Budget, Instalment, SubsidyApplication
from tests.academy.factories import IntakeFactory, OfferingFactory
from tests.csv_safety import ESCAPED, INJECTION, csv_rows, formula_cells
from tests.factories import StaffFactory, WorkerProfileFactory, staff_in
from tests.subsidies.factories import SubsidyApplicationFactory, scheme_with_budget

pytestmark = pytest.mark.django_db

DECIDE = reverse("admin:subsidies_subsidyapplication_decide")
CHANGELIST = reverse("admin:subsidies_subsidyapplication_changelist")


@pytest.fixture
def checker():
    return staff_in(roles.CHECKER)


@pytest.fixture
def approver():
    return staff_in(roles.APPROVER)


def test_checker_checks_and_a_different_approver_approves(client, checker, approver):
    application = SubsidyApplicationFactory()
    client.force_login(checker)
    client.post(DECIDE, {"ids": str(application.pk), "decision": "check"})
    client.force_login(approver)
    page = client.get(DECIDE, {"ids": str(application.pk)}).content.decode()
    assert "¥500,000.00" in page  # the budget is in view while deciding
    client.post(DECIDE, {"ids": str(application.pk), "decision": "approve"})
    application.refresh_from_db()
    assert (application.status, application.checked_by_id, application.decided_by_id) == (
        "approved",
        checker.pk,
        approver.pk,
    )


def test_a_checker_is_not_offered_approval_and_cannot_post_it(client, checker):
    application = SubsidyApplicationFactory(status="checked", checked_by=StaffFactory())
    client.force_login(checker)
    response = client.post(DECIDE, {"ids": str(application.pk), "decision": "approve"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"decision": ["“approve”不在可选项中，请从列表中选择。"]}
    application.refresh_from_db()
    assert application.status == "checked"


def test_an_approver_who_also_checked_is_refused(client):
    both = staff_in(roles.CHECKER)
    both.groups.add(Group.objects.get(name=roles.APPROVER))
    application = SubsidyApplicationFactory()
    client.force_login(both)
    client.post(DECIDE, {"ids": str(application.pk), "decision": "check"})
    response = client.post(DECIDE, {"ids": str(application.pk), "decision": "approve"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "已处理 1 份申请。",  # the check, one request earlier
        f"#{application.pk}: 第{application.pk}号申请是你初审的，必须由另一位审批人决定（双人复核）。",
    ]
    application.refresh_from_db()
    assert application.status == "checked"


def test_overspending_approval_is_refused_with_a_clear_message(client, approver):
    application = SubsidyApplicationFactory(status="checked", checked_by=StaffFactory())
    Budget.objects.filter(scheme=application.scheme).update(total=Decimal("1000.00"))
    client.force_login(approver)
    response = client.post(DECIDE, {"ids": str(application.pk), "decision": "approve"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        f"#{application.pk}: 批准第{application.pk}号申请（¥7,200.00）会超出{application.scheme.name}的预算："
        "只剩¥1,000.00。申请仍留在待审队列中。"
    ]
    application.refresh_from_db()
    assert application.status == "checked"


def test_status_and_amount_are_not_editable(client, approver):
    application = SubsidyApplicationFactory()
    client.force_login(approver)
    url = reverse("admin:subsidies_subsidyapplication_change", args=[application.pk])
    page = client.get(url).content.decode()
    assert 'name="status"' not in page and 'name="amount"' not in page
    client.post(url, {"status": "approved", "amount": "1"})
    application.refresh_from_db()
    assert (application.status, application.amount) == ("submitted", Decimal("7200.00"))


def test_dashboard_shows_money_and_counts(client, approver):
    application = SubsidyApplicationFactory(status="checked", checked_by=StaffFactory())
    client.force_login(approver)
    client.post(DECIDE, {"ids": str(application.pk), "decision": "approve"})
    page = client.get(reverse("admin:subsidies_dashboard")).content.decode()
    assert "¥7,200.00" in page and "¥492,800.00" in page


def test_staff_record_credits_and_finance_marks_paid_then_exports(client, approver):
    application = SubsidyApplicationFactory(status="checked", checked_by=StaffFactory())
    client.force_login(approver)
    client.post(DECIDE, {"ids": str(application.pk), "decision": "approve"})
    enrolment_confirm(enrolment_id=application.enrolment_id, student_number="ZJOU9")
    response = client.post(
        reverse("admin:subsidies_subsidyapplication_credits", args=[application.pk]),
        {"study_year": "1", "credits": "30"},
    )
    assert response.status_code == 302
    first = Instalment.objects.get(application=application, study_year=1)
    assert first.status == "payable"
    response = client.post(
        reverse("admin:subsidies_instalment_changelist"),
        {
            "action": "pay_selected",
            "_selected_action": [first.pk],
            "apply": "1",
            "reference": "BANK-2027-001",
            "paid_on": "2027-07-01",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.payment_reference, first.paid_on) == (
        "paid",
        "BANK-2027-001",
        dt.date(2027, 7, 1),
    )
    body = b"".join(client.get(reverse("admin:subsidies_instalment_export")).streaming_content).decode()
    lines = body.lstrip("\ufeff").strip().split("\r\n")
    assert (
        lines[0]
        == "分期编号,申请编号,姓名,手机号码,资助计划,专业,学年,金额（元）,状态,可拨付时间,付款日期,付款凭证号"
    )
    assert len(lines) == 2  # pending instalments are not for finance
    assert lines[1].endswith(
        ",1,2400.00,已拨付," + first.payable_at.isoformat() + ",2027-07-01,BANK-2027-001"
    )


def test_bad_credits_and_payment_input_get_messages(client, approver):
    application = SubsidyApplicationFactory(status="checked", checked_by=StaffFactory())
    client.force_login(approver)
    response = client.post(
        reverse("admin:subsidies_subsidyapplication_credits", args=[application.pk]),
        {"study_year": "9", "credits": "x"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"study_year", "credits"}


def make_applications(count: int) -> None:
    scheme = scheme_with_budget(total="999999999.00")
    workers = [WorkerProfileFactory().user for _ in range(100)]
    intakes = [IntakeFactory() for _ in range(max(1, count // 100))]
    offerings = [OfferingFactory(intake=intake) for intake in intakes]
    scheme.intakes.set(intakes)
    now = timezone.now()
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(worker=w, offering=o, intake_id=o.intake_id, status="admitted", submitted_at=now)
            for o in offerings
            for w in workers
        ][:count],
        batch_size=2000,
    )
    SubsidyApplication.objects.bulk_create(
        [
            SubsidyApplication(
                enrolment=e,
                applicant_id=e.worker_id,
                scheme=scheme,
                status="submitted",
                occupation="courier",
                tuition=Decimal("7200.00"),
                cap=Decimal("10000.00"),
                amount=Decimal("7200.00"),
                submitted_at=now,
            )
            for e in enrolments
        ],
        batch_size=2000,
    )


@pytest.mark.parametrize("count", [100, 10_000])
def test_changelist_query_count_is_the_same_at_100_and_10000(
    client, checker, django_assert_num_queries, count
):
    make_applications(count)
    assert SubsidyApplication.objects.count() == count
    client.force_login(checker)
    # session, user, user permissions, group permissions, scheme and intake filter choices,
    # the capped count (never a full COUNT(*)), the page with applicant/profile/programme/checker joined
    with django_assert_num_queries(8):
        response = client.get(CHANGELIST, {"status__exact": "submitted"})
    assert response.status_code == 200


def test_budget_total_changes_are_recorded_and_never_below_committed(client):
    from core.models import AuditEntry

    admin_user = StaffFactory(is_superuser=True)
    application = SubsidyApplicationFactory(status="checked", checked_by=StaffFactory())
    from subsidies import actions

    actions.application_approve(application_id=application.pk, acting_user=staff_in(roles.APPROVER))
    budget = Budget.objects.get(scheme=application.scheme)
    client.force_login(admin_user)
    url = reverse("admin:subsidies_budget_change", args=[budget.pk])
    response = client.post(url, {"total": "1000.00", "reason": "年中调整"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"total": ["总额不能少于已占用的金额（¥7,200.00）。"]}
    response = client.post(url, {"total": "600000.00", "reason": ""})
    assert response.context["adminform"].form.errors == {"reason": ["该字段是必填项。"]}
    budget.refresh_from_db()
    assert budget.total == Decimal("500000.00")
    response = client.post(url, {"total": "600000.00", "reason": "区财政追加"})
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.total == Decimal("600000.00")
    entry = AuditEntry.objects.get(action="subsidy.budget_total")
    assert (entry.actor_id, entry.note, entry.data) == (
        admin_user.pk,
        "区财政追加",
        {"from": "500000.00", "to": "600000.00"},
    )


def test_queue_filter_for_approvers_hides_their_own_checks(client, approver):
    mine = SubsidyApplicationFactory(status="checked", checked_by=approver)
    theirs = SubsidyApplicationFactory(status="checked", checked_by=StaffFactory())
    client.force_login(approver)
    response = client.get(CHANGELIST, {"queue": "approve"})
    ids = [application.pk for application in response.context["cl"].result_list]
    assert ids == [theirs.pk]
    assert mine.pk not in ids


def test_finance_csv_escapes_cells_a_spreadsheet_would_run(client, approver):
    application = SubsidyApplicationFactory(status="approved")
    User.objects.filter(pk=application.applicant_id).update(real_name=INJECTION)
    Instalment.objects.create(
        application=application,
        study_year=1,
        amount=Decimal("3600.00"),
        status="paid",
        payable_at=timezone.now(),
        paid_on=dt.date(2027, 7, 1),
        payment_reference="+BANK-1",
    )
    client.force_login(approver)
    rows = csv_rows(client.get(reverse("admin:subsidies_instalment_export")))
    assert (rows[1][2], rows[1][-1]) == (ESCAPED, "'+BANK-1")
    assert formula_cells(rows) == []
