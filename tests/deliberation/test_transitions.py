"""The session's resolution and the follow-up actions through deliberation's transition tables:
one history row and one audit row per change, refusals with their exact text that change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEntry, StatusChange
from core.transitions import status_changes
from deliberation import actions
from deliberation.models import FollowUpAction, TopicUpdate
from notifications.models import Message
from tests.deliberation.conftest import hold, schedule

pytestmark = pytest.mark.django_db


def snapshot(topic) -> tuple:
    topic.refresh_from_db()
    return (
        topic.status,
        topic.resolution,
        topic.resolution_at,
        TopicUpdate.objects.count(),
        FollowUpAction.objects.count(),
        StatusChange.objects.count(),
        AuditEntry.objects.count(),
        Message.objects.count(),
    )


@pytest.fixture
def scheduled(topic, station, lead):
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    session = schedule(station, lead, [topic])
    return topic, session


def test_the_resolution_is_one_timeline_step_and_one_audit_row(scheduled, lead):
    topic, session = scheduled
    actions.session_record_minutes(session_id=hold(session).pk, minutes="纪要。", acting_user=lead)
    actions.topic_record_resolution(topic_id=topic.pk, resolution=" 物业登记后放行。 ", acting_user=lead)
    topic.refresh_from_db()
    assert (topic.status, topic.resolution) == ("scheduled", "物业登记后放行。")
    assert topic.resolution_at is not None
    step = TopicUpdate.objects.filter(topic=topic).latest("created_at", "pk")
    assert (step.status, step.note, step.actor_id, step.actor_role) == (
        "scheduled",
        "物业登记后放行。",
        lead.pk,
        "session",
    )
    (entry,) = AuditEntry.objects.filter(action="station.topic.resolution")
    assert (entry.actor_id, entry.target_id, entry.note) == (lead.pk, str(topic.pk), "物业登记后放行。")


@pytest.mark.parametrize(
    "case, message",
    [
        ("before the minutes", "请先记录议事会纪要。"),
        ("no text", "请填写议事会对该议题的决议。"),
        ("not scheduled", "该议题当前状态为“已受理待上会”，不能记录决议。"),
    ],
)
def test_a_resolution_is_refused_and_nothing_changes(scheduled, lead, case, message):
    topic, session = scheduled
    text = "决议。"
    if case == "no text":
        text = "   "
    if case == "not scheduled":
        actions.session_cancel(session_id=session.pk, acting_user=lead, reason="改期。")
    before = snapshot(topic)
    with pytest.raises(actions.ApplicationError) as refused:
        actions.topic_record_resolution(topic_id=topic.pk, resolution=text, acting_user=lead)
    assert refused.value.message == message
    assert snapshot(topic) == before


@pytest.fixture
def followup(scheduled, lead):
    topic, session = scheduled
    actions.session_record_minutes(session_id=hold(session).pk, minutes="纪要。", acting_user=lead)
    actions.topic_record_resolution(
        topic_id=topic.pk,
        resolution="开放地库。",
        acting_user=lead,
        followups=[
            {"owner_party": "mall", "what": "设通道", "due_on": timezone.localdate() + timedelta(days=3)}
        ],
    )
    return FollowUpAction.objects.get()


def test_a_follow_up_done_is_one_history_row_and_one_audit_row(followup, lead):
    actions.followup_done(action_id=followup.pk, note=" 通道已开通。 ", acting_user=lead)
    followup.refresh_from_db()
    assert (followup.status, followup.done_note) == ("done", "通道已开通。")
    assert list(status_changes(followup).values_list("from_status", "to_status", "actor", "note")) == [
        ("open", "done", lead.pk, "通道已开通。")
    ]
    (entry,) = AuditEntry.objects.filter(action="station.followup.done")
    assert (entry.actor_id, entry.note) == (lead.pk, "通道已开通。")


@pytest.mark.parametrize(
    "case, message",
    [
        ("twice", "该跟进事项已经是“已完成”。"),
        ("no note", "请填写完成情况。"),
        ("outsider", "只有驿站负责人或驿站工作人员可以这样操作。"),
    ],
)
def test_a_follow_up_done_is_refused_and_nothing_changes(followup, lead, outsider, case, message):
    if case == "twice":
        actions.followup_done(action_id=followup.pk, note="做完了。", acting_user=lead)
    before = (snapshot(followup.topic), list(FollowUpAction.objects.values_list("status", "done_note")))
    with pytest.raises(actions.ApplicationError) as refused:
        actions.followup_done(
            action_id=followup.pk,
            note="" if case == "no note" else "再做一次。",
            acting_user=outsider if case == "outsider" else lead,
        )
    assert refused.value.message == message
    assert (
        snapshot(followup.topic),
        list(FollowUpAction.objects.values_list("status", "done_note")),
    ) == before


def test_the_hourly_task_marks_overdue_with_a_history_row_and_no_actor(followup, lead):
    FollowUpAction.objects.filter(pk=followup.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    assert actions.followups_mark_overdue() == 1
    assert list(status_changes(followup).values_list("from_status", "to_status", "actor")) == [
        ("open", "overdue", None)
    ]
    assert AuditEntry.objects.filter(action="station.followup.overdue", actor=None).count() == 1
    # An overdue action can still be done.
    actions.followup_done(action_id=followup.pk, note="补做了。", acting_user=lead)
    assert list(status_changes(followup).values_list("to_status", flat=True)) == ["overdue", "done"]
