"""Appeals decided with the change page's decision buttons, and the bulk page's refusals, both built
from subsidies.actions.TRANSITIONS (core.admin_decisions)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import roles
from core.models import AuditEntry
from subsidies import actions
from subsidies.models import ApplicationEvent, Budget, SubsidyApplication
from tests.factories import StaffFactory, staff_in
from tests.subsidies.factories import SubsidyApplicationFactory

pytestmark = pytest.mark.django_db

DECIDE = reverse("admin:subsidies_subsidyapplication_decide")


def change_url(application) -> str:
    return reverse("admin:subsidies_subsidyapplication_change", args=[application.pk])


def decision_url(application) -> str:
    return reverse("admin:subsidies_subsidyapplication_decision", args=[application.pk])


def snapshot(application) -> tuple:
    application.refresh_from_db()
    return (
        application.status,
        application.decided_by_id,
        application.reason,
        ApplicationEvent.objects.count(),
        AuditEntry.objects.count(),
        Budget.objects.get(scheme=application.scheme).committed,
    )


@pytest.fixture
def appealed():
    rejecter = staff_in(roles.APPROVER)
    application = SubsidyApplicationFactory(status="checked", checked_by=StaffFactory())
    actions.application_reject(application_id=application.pk, acting_user=rejecter, reason="从业时间不足")
    actions.application_appeal(
        worker=application.applicant, application_id=application.pk, reason="已补充社保记录"
    )
    return application, rejecter


def test_an_approver_upholds_an_appeal_with_the_button(client, appealed):
    application, _rejecter = appealed
    other = staff_in(roles.APPROVER)
    client.force_login(other)
    page = client.get(change_url(application)).content.decode()
    assert 'value="uphold_appeal"' in page and 'value="dismiss_appeal"' in page
    response = client.post(
        decision_url(application), {"decision": "uphold_appeal", "reason": "核实无误"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["已完成：申诉成立：批准。"]
    application.refresh_from_db()
    assert (application.status, application.decided_by_id) == ("approved", other.pk)
    assert Budget.objects.get(scheme=application.scheme).committed == Decimal("7200.00")
    event = ApplicationEvent.objects.filter(application=application).latest("created_at", "pk")
    assert (event.from_status, event.to_status, event.actor_id, event.reason) == (
        "appealed",
        "approved",
        other.pk,
        "核实无误",
    )
    assert AuditEntry.objects.filter(action="subsidy.uphold_appeal", actor=other).count() == 1


def test_the_approver_who_rejected_cannot_decide_the_appeal_and_nothing_changes(client, appealed):
    application, rejecter = appealed
    client.force_login(rejecter)
    before = snapshot(application)
    response = client.post(
        decision_url(application), {"decision": "dismiss_appeal", "reason": "仍不足"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"你参与过第{application.pk}号申请的审核，申诉必须由另一位审批人决定。"
    ]
    assert snapshot(application) == before


def test_an_appeal_needs_a_reason_and_nothing_changes(client, appealed):
    application, _rejecter = appealed
    client.force_login(staff_in(roles.APPROVER))
    before = snapshot(application)
    response = client.post(
        decision_url(application), {"decision": "uphold_appeal", "reason": " "}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["请填写原因，申请人会看到。"]
    assert snapshot(application) == before


def test_a_checker_is_offered_no_appeal_decision_and_cannot_post_one(client, appealed):
    application, _rejecter = appealed
    client.force_login(staff_in(roles.CHECKER))
    assert 'value="uphold_appeal"' not in client.get(change_url(application)).content.decode()
    before = snapshot(application)
    response = client.post(
        decision_url(application), {"decision": "uphold_appeal", "reason": "核实"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["这项决定现在不可行；页面上列出了可行的决定。"]
    assert snapshot(application) == before


def test_the_bulk_page_refuses_a_return_without_a_reason_before_any_row(client):
    first, second = SubsidyApplicationFactory(), SubsidyApplicationFactory()
    client.force_login(staff_in(roles.CHECKER))
    before = [snapshot(first), snapshot(second)]
    response = client.post(DECIDE, {"ids": f"{first.pk},{second.pk}", "decision": "return", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["请填写原因，申请人会看到。"]}
    assert [snapshot(first), snapshot(second)] == before


def test_the_bulk_page_decides_each_row_and_reports_the_refused_one(client):
    submitted, checked = (
        SubsidyApplicationFactory(),
        SubsidyApplicationFactory(status="checked", checked_by=StaffFactory()),
    )
    client.force_login(staff_in(roles.CHECKER))
    response = client.post(DECIDE, {"ids": f"{submitted.pk},{checked.pk}", "decision": "check"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:subsidies_subsidyapplication_changelist")
    assert [str(m) for m in response.context["messages"]] == [
        f"#{checked.pk}: 第{checked.pk}号资助申请目前是“初审通过”，现在不能初审通过。",
        "已处理 1 份申请。",
    ]
    assert list(SubsidyApplication.objects.order_by("pk").values_list("status", flat=True)) == [
        "checked",
        "checked",
    ]
