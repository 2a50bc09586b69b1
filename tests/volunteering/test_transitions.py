"""A task ends through volunteering.actions.TASK_TRANSITIONS: one history row and one audit row per
change, refusals that change nothing, and the task admin's decision buttons built from the table."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from core.models import AuditEntry, StatusChange
from core.transitions import status_changes
from notifications.models import Message
from points.selectors import points_for
from tests.factories import StaffFactory, UserFactory
from tests.volunteering.factories import make_task
from volunteering import actions
from volunteering.models import Recipient, Signup, Task
from volunteering.points_kinds import VOLUNTEER_TASK_DONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def station_staff(station):
    user = StaffFactory(real_name="周驿站")
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    station.staff.add(user)
    return user


def snapshot(task: Task) -> tuple:
    task.refresh_from_db()
    return (
        task.status,
        task.cancel_reason,
        list(Signup.objects.filter(task=task).values_list("status", flat=True)),
        Recipient.objects.filter(task=task).exists(),
        StatusChange.objects.count(),
        AuditEntry.objects.count(),
        Message.objects.count(),
    )


def test_confirm_writes_one_history_row_and_one_audit_row(team, lead, member):
    task = make_task(team, days=0)
    actions.signup_create(task_id=task.pk, user=member)
    actions.task_confirm(task_id=task.pk, acting_user=lead)
    assert list(status_changes(task).values_list("from_status", "to_status", "actor", "note")) == [
        ("open", "done", lead.pk, "")
    ]
    (entry,) = AuditEntry.objects.filter(target_type="volunteering.task", action="volunteering.task.confirm")
    assert (entry.actor_id, entry.data) == (
        lead.pk,
        {"volunteers": [member.pk], "points": points_for(VOLUNTEER_TASK_DONE)},
    )
    assert Signup.objects.get(task=task).status == "done"


def test_cancel_without_a_reason_is_refused_and_changes_nothing(team, lead, member):
    task = make_task(team)
    actions.signup_create(task_id=task.pk, user=member)
    before = snapshot(task)
    with pytest.raises(actions.ApplicationError) as refused:
        actions.task_cancel(task_id=task.pk, acting_user=lead, reason="  ")
    assert refused.value.message == "请填写原因，志愿者会看到。"
    assert snapshot(task) == before


def test_a_task_that_ended_cannot_be_cancelled_and_nothing_changes(team, lead):
    task = make_task(team)
    actions.task_cancel(task_id=task.pk, acting_user=lead, reason="下雨。")
    assert list(status_changes(task).values_list("from_status", "to_status", "note")) == [
        ("open", "cancelled", "下雨。")
    ]
    before = snapshot(task)
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        actions.task_cancel(task_id=task.pk, acting_user=lead, reason="再取消。")
    assert refused.value.message == "该任务已是“已取消”，不能再更改。"
    assert snapshot(task) == before


def test_someone_who_does_not_manage_the_team_is_refused_and_nothing_changes(task):
    before = snapshot(task)
    with pytest.raises(actions.PermissionDenied) as refused:
        actions.task_cancel(task_id=task.pk, acting_user=UserFactory(), reason="不想做了。")
    assert refused.value.message == "只有队长才能这样做。"
    assert snapshot(task) == before


def test_the_task_page_offers_the_decisions_of_the_table(client, station_staff, task):
    client.force_login(station_staff)
    page = client.get(reverse("admin:volunteering_task_change", args=[task.pk])).content.decode()
    # Completion is confirmed on the task's day at the earliest: before it, only cancel is offered
    # (issue 19: a page offers only the decisions allowed now), and a posted confirm says why.
    assert 'value="confirm"' not in page and 'value="cancel"' in page
    decision = reverse("admin:volunteering_task_decision", args=[task.pk])
    before = snapshot(task)
    early = client.post(decision, {"decision": "confirm", "reason": ""}, follow=True)
    assert [str(m) for m in early.context["messages"]] == ["最早在任务当天才能确认完成。"]
    assert snapshot(task) == before
    refused = client.post(decision, {"decision": "cancel", "reason": ""}, follow=True)
    assert [str(m) for m in refused.context["messages"]] == ["请填写原因，志愿者会看到。"]
    assert snapshot(task) == before
    done = client.post(decision, {"decision": "cancel", "reason": "天气原因。"}, follow=True)
    assert [str(m) for m in done.context["messages"]] == ["已完成：取消。"]
    task.refresh_from_db()
    assert (task.status, task.cancel_reason) == ("cancelled", "天气原因。")
    assert status_changes(task).get().actor_id == station_staff.pk
