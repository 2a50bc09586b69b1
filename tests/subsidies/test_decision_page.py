"""Issue 19, items 5 and 6: the subsidy decision page offers only the decisions allowed now and to
this person, in staff's words, and shows what the decision rests on."""

import re

import pytest
from django.urls import reverse

from accounts import roles
from subsidies import actions
from subsidies.models import ApplicationEvent, Instalment, SubsidyApplication
from tests.factories import staff_in
from tests.subsidies.factories import SubsidyApplicationFactory

pytestmark = pytest.mark.django_db


def change_url(application) -> str:
    return reverse("admin:subsidies_subsidyapplication_change", args=[application.pk])


def buttons(page: str) -> list[str]:
    return re.findall(r'<button type="submit" name="decision" value="(\w+)"', page)


@pytest.fixture
def checked_by_both():
    """Checked by a staff member who also holds the approver's permission."""
    both = staff_in(roles.CHECKER, roles.APPROVER)
    application = SubsidyApplicationFactory()
    actions.application_check(application_id=application.pk, acting_user=both)
    return application, both


def test_the_one_who_checked_is_not_offered_approve(client, checked_by_both):
    application, both = checked_by_both
    client.force_login(both)
    page = client.get(change_url(application)).content.decode()
    # Approve and reject are a different approver's (the two-person rule); returning stays possible.
    assert buttons(page) == ["return"]
    assert ">批准<" not in page and ">不予批准" not in page


def test_another_approver_is_offered_approve_and_reject_in_subsidy_words(client, checked_by_both):
    application, _both = checked_by_both
    client.force_login(staff_in(roles.APPROVER))
    page = client.get(change_url(application)).content.decode()
    assert buttons(page) == ["return", "approve", "reject"]
    assert 'value="reject" data-reason-required>不予批准 *</button>' in page
    assert "不予录取" not in page


def test_a_posted_approve_by_the_checker_says_why_and_changes_nothing(client, checked_by_both):
    application, both = checked_by_both
    client.force_login(both)
    events = ApplicationEvent.objects.count()
    response = client.post(
        reverse("admin:subsidies_subsidyapplication_decision", args=[application.pk]),
        {"decision": "approve", "reason": "材料齐全"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"第{application.pk}号申请是你初审的，必须由另一位审批人决定（双人复核）。"
    ]
    application.refresh_from_db()
    assert (application.status, ApplicationEvent.objects.count()) == ("checked", events)
    # What was typed is still there.
    assert "材料齐全</textarea>" in response.content.decode()


def test_the_page_shows_documents_checks_and_history_in_staff_words(client, checked_by_both):
    application, _both = checked_by_both
    client.force_login(staff_in(roles.APPROVER))
    page = client.get(change_url(application)).content.decode()
    document = reverse("subsidies:document_file", args=[application.pk, "employment_proof"])
    assert (
        f'<figure class="document"><img src="{document}" alt="工作证明" class="document-preview"'
        f' loading="lazy"><figcaption><a href="{document}" target="_blank" rel="noopener">工作证明</a>'
        "</figcaption></figure>"
    ) in page
    assert page.count('<li class="met"><span class="visually-hidden">符合：</span>✓ ') == 5
    # The history: statuses and roles as labels, the applicant never "你".
    assert "已提交 → 初审通过" in page
    squeezed = re.sub(r">\s+<", "><", page)
    assert '<td class="field-role_label"><p>审核员</p></td>' in squeezed
    assert "<p>你</p>" not in squeezed


def test_an_instalment_and_an_application_read_as_words(checked_by_both):
    application, _both = checked_by_both
    application = SubsidyApplication.objects.get(pk=application.pk)
    instalment = Instalment(application=application, study_year=1, amount=2400)
    assert str(instalment) == f"资助申请 {application.pk}，第 1 学年：¥2,400.00"
    assert str(application).startswith(f"资助申请 {application.pk} · ")
