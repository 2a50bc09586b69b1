"""An event's time, place and seats change only through events.actions.event_update: station scope
checked in the action, every change audited with before and after, also from the admin form."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import roles
from core.exceptions import PermissionDenied
from core.models import AuditEntry
from events import actions
from events.models import Event, Registration
from tests.events import messages as text
from tests.events.factories import RegistrationFactory, StationFactory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(moment) -> str:
    return moment.astimezone(UTC).isoformat()


def snapshot(event: Event) -> tuple:
    event.refresh_from_db()
    return (event.station_id, event.place, event.starts_at, event.ends_at, event.seat_limit, event.status)


def test_staff_of_another_station_cannot_move_an_event_and_nothing_changes(event):
    outsider = StaffFactory()
    outsider.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    StationFactory().staff.add(outsider)
    before = snapshot(event)
    with pytest.raises(PermissionDenied) as error:
        actions.event_update(
            event_id=event.pk,
            values={"place": "别处", "seat_limit": 50, "starts_at": event.starts_at + timedelta(days=1)},
            acting_user=outsider,
        )
    assert (error.value.message, error.value.status_code) == (text.NOT_YOUR_STATION, 403)
    assert snapshot(event) == before
    assert AuditEntry.objects.count() == 0


def test_a_cancelled_event_is_not_changed(event, lead):
    actions.event_cancel(event_id=event.pk, acting_user=lead)
    before, audit_rows = snapshot(event), AuditEntry.objects.count()
    with pytest.raises(actions.TransitionNotAllowed) as error:
        actions.event_update(event_id=event.pk, values={"seat_limit": 9}, acting_user=lead)
    assert error.value.message == text.EVENT_ALREADY_CANCELLED
    assert (snapshot(event), AuditEntry.objects.count()) == (before, audit_rows)


def test_the_lead_moves_the_event_and_the_audit_row_says_what_changed(event, lead):
    later, end = event.starts_at + timedelta(hours=2), event.ends_at + timedelta(hours=2)
    changed, promoted = actions.event_update(
        event_id=event.pk,
        values={"place": "二楼活动室", "starts_at": later, "ends_at": end},
        acting_user=lead,
    )
    assert (changed.place, changed.starts_at, promoted) == ("二楼活动室", later, [])
    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.action, entry.target_id) == (lead.pk, "event.change", str(event.pk))
    assert entry.data == {
        "changed": {
            "place": {"from": event.place, "to": "二楼活动室"},
            "starts_at": {"from": utc(event.starts_at), "to": utc(later)},
            "ends_at": {"from": utc(event.ends_at), "to": utc(end)},
        },
        "promoted": 0,
    }


def test_the_admin_change_form_goes_through_the_action_and_leaves_an_audit_row(client, station, event):
    staff = StaffFactory()
    staff.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    station.staff.add(staff)
    client.force_login(staff)
    # The form sends whole seconds: the times stay exactly as they are.
    Event.objects.filter(pk=event.pk).update(
        starts_at=event.starts_at.replace(microsecond=0), ends_at=event.ends_at.replace(microsecond=0)
    )
    event.refresh_from_db()
    waiting = RegistrationFactory(event=event, status="waitlisted")
    start = event.starts_at.astimezone(SHANGHAI)
    end = event.ends_at.astimezone(SHANGHAI)
    response = client.post(
        reverse("admin:events_event_change", args=[event.pk]),
        {
            "station": event.station_id,
            "kind": event.kind,
            "title": event.title,
            "description": event.description,
            "place": "一楼大厅",
            "starts_at_0": start.strftime("%Y-%m-%d"),
            "starts_at_1": start.strftime("%H:%M:%S"),
            "ends_at_0": end.strftime("%Y-%m-%d"),
            "ends_at_1": end.strftime("%H:%M:%S"),
            "seat_limit": "3",
            "registrations-TOTAL_FORMS": "0",
            "registrations-INITIAL_FORMS": "0",
        },
    )
    assert (response.status_code, response["Location"]) == (302, reverse("admin:events_event_changelist"))
    event.refresh_from_db()
    assert (event.place, event.seat_limit) == ("一楼大厅", 3)
    assert Registration.objects.get(pk=waiting.pk).status == "registered"
    entry = AuditEntry.objects.get(action="event.change")
    assert (entry.actor_id, entry.target_id, entry.data) == (
        staff.pk,
        str(event.pk),
        {
            "changed": {
                "place": {"from": "驿站二楼活动室", "to": "一楼大厅"},
                "seat_limit": {"from": "2", "to": "3"},
            },
            "promoted": 1,
        },
    )
