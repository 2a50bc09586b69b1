"""Every staff write of governance checks its own permission in the action: refused calls say which
permission is missing and change nothing; the admin forms write through the actions (audited)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from core.exceptions import PermissionDenied
from core.models import AuditEntry
from governance import actions
from governance.models import GridMember, Report
from tests.factories import StaffFactory, UserFactory, staff_in
from tests.governance.factories import category
from tests.governance.test_actions import submit

pytestmark = pytest.mark.django_db
MISSING = "您没有执行此操作的权限（%s）。"


def report_steps(report: Report) -> dict:
    return {
        "accept": lambda user: actions.report_accept(report_id=report.pk, acting_user=user),
        "dispatch": lambda user: actions.report_dispatch(report_id=report.pk, acting_user=user),
        "resolve": lambda user: actions.report_resolve(report_id=report.pk, acting_user=user, note="已修好"),
        "reject": lambda user: actions.report_reject(
            report_id=report.pk, acting_user=user, reason="不在辖区"
        ),
        "duplicate": lambda user: actions.report_mark_duplicate(
            report_id=report.pk, original_id=report.pk + 1, acting_user=user
        ),
    }


@pytest.mark.parametrize("step", ["accept", "dispatch", "resolve", "reject", "duplicate"])
def test_report_steps_need_the_change_permission_and_change_nothing_without_it(member, checker, step):
    report = submit(member)
    before = (report.status, report.updates.count(), AuditEntry.objects.count())
    with pytest.raises(PermissionDenied) as error:
        report_steps(report)[step](checker)  # a checker: staff, but no grid role
    assert (error.value.message, error.value.status_code) == (MISSING % "governance.change_report", 403)
    report.refresh_from_db()
    assert (report.status, report.updates.count(), AuditEntry.objects.count()) == before


def test_the_grid_admin_accepts_with_an_audit_row(member, grid_admin):
    report = submit(member)
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    report.refresh_from_db()
    assert report.status == "accepted"
    assert AuditEntry.objects.filter(actor=grid_admin, target_id=str(report.pk)).count() == 1


def test_appointing_and_ending_need_the_grid_member_permissions(grid, checker):
    worker = UserFactory()
    with pytest.raises(PermissionDenied) as error:
        actions.gridmember_appoint(grid=grid, user=worker, acting_user=checker)
    assert error.value.message == MISSING % "governance.add_gridmember"
    assert (GridMember.objects.count(), AuditEntry.objects.count()) == (0, 0)
    member = actions.gridmember_appoint(grid=grid, user=worker, acting_user=staff_in(roles.GRID_ADMIN))
    with pytest.raises(PermissionDenied) as error:
        actions.gridmember_end(member_id=member.pk, acting_user=checker)
    assert error.value.message == MISSING % "governance.change_gridmember"
    member.refresh_from_db()
    assert (member.ends_on, AuditEntry.objects.count()) == (None, 1)


def test_api_keys_need_their_permissions(checker):
    with pytest.raises(PermissionDenied) as error:
        actions.apikey_issue(name="12345 热线", acting_user=checker)
    assert error.value.message == MISSING % "governance.add_apikey"
    key, _ = actions.apikey_issue(name="12345 热线", acting_user=staff_in(roles.GRID_ADMIN))
    for call in (
        lambda: actions.apikey_rename(key_id=key.pk, name="别的名字", acting_user=checker),
        lambda: actions.apikey_revoke(key_id=key.pk, acting_user=checker),
    ):
        with pytest.raises(PermissionDenied) as error:
            call()
        assert error.value.message == MISSING % "governance.change_apikey"
    key.refresh_from_db()
    assert (key.name, key.revoked_at, AuditEntry.objects.count()) == ("12345 热线", None, 1)


def test_renaming_a_key_in_the_admin_goes_through_the_action_and_is_audited(client, grid_admin):
    key, _ = actions.apikey_issue(name="12345 热线", acting_user=grid_admin)
    client.force_login(grid_admin)
    response = client.post(reverse("admin:governance_apikey_change", args=[key.pk]), {"name": "城管热线"})
    assert (response.status_code, response["Location"]) == (
        302,
        reverse("admin:governance_apikey_changelist"),
    )
    key.refresh_from_db()
    assert key.name == "城管热线"
    entry = AuditEntry.objects.get(action="open311.key.rename")
    assert (entry.actor_id, entry.target_id, entry.data) == (
        grid_admin.pk,
        str(key.pk),
        {"from": "12345 热线", "to": "城管热线"},
    )


def test_appointing_twice_in_the_admin_shows_the_actions_refusal_on_the_form(
    client, grid_admin, grid, member
):
    client.force_login(grid_admin)
    audit_rows = AuditEntry.objects.count()
    response = client.post(
        reverse("admin:governance_gridmember_add"),
        {"grid": grid.pk, "user": member.pk, "starts_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == [str(actions.ALREADY_A_MEMBER)]
    assert (GridMember.objects.filter(user=member).count(), AuditEntry.objects.count()) == (1, audit_rows)


def test_a_worker_cannot_use_a_staff_action(member):
    report = submit(member)
    with pytest.raises(PermissionDenied):
        actions.report_accept(report_id=report.pk, acting_user=member)
    with pytest.raises(PermissionDenied):
        actions.report_accept(
            report_id=report.pk, acting_user=StaffFactory(is_active=False, is_superuser=True)
        )
    report.refresh_from_db()
    assert report.status == "submitted"


def test_changing_a_category_in_the_admin_is_audited(client, grid_admin):
    road = category("road")
    client.force_login(grid_admin)
    form = {
        field: getattr(road, field)
        for field in ("code", "name_zh", "name_en", "description_zh", "description_en", "icon", "position")
    } | {"department": "区城管局", "response_hours": "48", "is_active": "on", "is_public": "on"}
    response = client.post(reverse("admin:governance_category_change", args=[road.pk]), form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="report.category.change")
    assert entry.actor_id == grid_admin.pk
    assert entry.data["changed"]["department"]["to"] == "区城管局"
    road.refresh_from_db()
    assert (road.department, road.response_hours) == ("区城管局", 48)
