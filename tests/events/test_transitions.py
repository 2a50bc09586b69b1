"""An event's cancellation through events.actions.EVENT_TRANSITIONS: one history row, one audit row,
refusals that change nothing, and the admin's decision button and bulk action built from the table."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from core.models import AuditEntry, StatusChange
from core.transitions import status_changes
from events import actions
from events.models import Event
from notifications.models import Message
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

ALREADY_CANCELLED = "该活动已经取消。"
NOT_YOUR_STATION = "只有该活动所在驿站的工作人员才能这样做。"


@pytest.fixture
def station_staff(station):
    user = StaffFactory(real_name="周站长")
    user.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    station.staff.add(user)
    return user


def snapshot(event: Event) -> tuple:
    event.refresh_from_db()
    return (
        event.status,
        event.cancelled_at,
        StatusChange.objects.count(),
        AuditEntry.objects.count(),
        Message.objects.count(),
    )


def test_cancel_writes_one_history_row_and_one_audit_row(event, station_staff):
    RegistrationFactory(event=event)
    actions.event_cancel(event_id=event.pk, acting_user=station_staff, reason="台风预警。")
    event.refresh_from_db()
    assert event.status == "cancelled" and event.cancelled_at is not None
    assert list(status_changes(event).values_list("from_status", "to_status", "actor", "note")) == [
        ("published", "cancelled", station_staff.pk, "台风预警。")
    ]
    assert list(
        AuditEntry.objects.filter(target_type="events.event").values_list("action", "actor", "note")
    ) == [("event.cancel", station_staff.pk, "台风预警。")]


def test_cancelling_twice_is_refused_and_changes_nothing(event, station_staff):
    actions.event_cancel(event_id=event.pk, acting_user=station_staff)
    before = snapshot(event)
    with pytest.raises(actions.TransitionNotAllowed) as refused:
        actions.event_cancel(event_id=event.pk, acting_user=station_staff)
    assert refused.value.message == ALREADY_CANCELLED
    assert snapshot(event) == before


def test_staff_of_another_station_are_refused_and_nothing_changes(event):
    other = StaffFactory()
    other.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    before = snapshot(event)
    with pytest.raises(actions.PermissionDenied) as refused:
        actions.event_cancel(event_id=event.pk, acting_user=other)
    assert refused.value.message == NOT_YOUR_STATION
    assert snapshot(event) == before


def test_the_event_page_offers_cancelling_as_a_decision(client, event, station_staff):
    client.force_login(station_staff)
    change = reverse("admin:events_event_change", args=[event.pk])
    decision = reverse("admin:events_event_decision", args=[event.pk])
    assert 'value="cancel"' in client.get(change).content.decode()
    response = client.post(decision, {"decision": "cancel", "reason": "场地停电。"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已完成：取消活动（通知所有报名者）。"]
    assert Event.objects.get(pk=event.pk).status == "cancelled"
    # Once cancelled, the button is gone and a posted decision is refused, changing nothing.
    assert 'value="cancel"' not in client.get(change).content.decode()
    before = snapshot(event)
    response = client.post(decision, {"decision": "cancel", "reason": "再取消"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["这项决定现在不可行；页面上列出了可行的决定。"]
    assert snapshot(event) == before


def test_bulk_cancel_reports_the_refused_event_and_cancels_the_other(client, station, station_staff):
    ended = EventFactory(
        station=station, starts_at=timezone.now() - timezone.timedelta(hours=3), ends_at=timezone.now()
    )
    coming = EventFactory(station=station)
    client.force_login(station_staff)
    response = client.post(
        reverse("admin:events_event_changelist"),
        {"action": "cancel_selected", "_selected_action": [ended.pk, coming.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"#{ended.pk}: 该活动已经结束，不能取消。",
        "已取消1个活动。",
    ]
    assert Event.objects.get(pk=ended.pk).status == "published"
    assert Event.objects.get(pk=coming.pk).status == "cancelled"
    assert status_changes(ended).count() == 0 and status_changes(coming).count() == 1
