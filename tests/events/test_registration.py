from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from core.audit import AuditEntry
from core.models import StatusChange
from events import actions
from events.models import Event, Registration
from notifications.models import Message
from tests.events import messages as text
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def register(event, user):
    return actions.registration_create(event_id=event.pk, user=user)


def test_seats_first_then_the_waitlist(event):
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    assert register(event, first).status == "registered"
    assert register(event, second).status == "registered"
    assert register(event, third).status == "waitlisted"
    assert AuditEntry.objects.filter(action="event.register").count() == 3


def test_registering_tells_the_worker_in_the_inbox(event, worker):
    event.starts_at = timezone.make_aware(timezone.datetime(2030, 3, 1, 14, 0))
    event.ends_at = event.starts_at + timedelta(hours=2)
    event.save()
    register(event, worker)
    message = Message.objects.get(recipient=worker)
    assert message.channel == "inbox"
    assert message.kind == "event_registered"
    assert message.subject == "报名成功：诗歌分享会"
    assert (
        message.body
        == "你已报名2030年3月1日 14:00在驿站二楼活动室举行的诗歌分享会。到场后用屏幕上的签到码签到。"
    )
    assert message.link == f"/events/{event.pk}/"


def test_one_live_registration_per_person(event, worker):
    register(event, worker)
    with pytest.raises(actions.RegistrationRefused) as refused:
        register(event, worker)
    assert refused.value.message == text.ALREADY_REGISTERED
    assert Registration.objects.filter(event=event, user=worker).count() == 1


def test_the_database_refuses_a_second_live_registration(event, worker):
    RegistrationFactory(event=event, user=worker, status="cancelled")
    RegistrationFactory(event=event, user=worker, status="waitlisted")
    with pytest.raises(IntegrityError):
        RegistrationFactory(event=event, user=worker, status="registered")


def test_after_cancelling_one_can_register_again(event, worker):
    register(event, worker)
    actions.registration_cancel(event_id=event.pk, user=worker)
    assert register(event, worker).status == "registered"
    assert list(Registration.objects.filter(user=worker).values_list("status", flat=True).order_by("id")) == [
        "cancelled",
        "registered",
    ]


def test_no_registration_once_the_event_started(worker):
    now = timezone.now()
    event = EventFactory(starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=1))
    with pytest.raises(actions.RegistrationRefused) as refused:
        register(event, worker)
    assert refused.value.message == text.REGISTER_EVENT_STARTED
    assert not Registration.objects.exists()


def test_no_registration_for_a_cancelled_event(event, worker):
    Event.objects.filter(pk=event.pk).update(status="cancelled")
    with pytest.raises(actions.RegistrationRefused) as refused:
        register(event, worker)
    assert refused.value.message == text.REGISTER_EVENT_CANCELLED
    assert not Registration.objects.exists()


def test_cancelling_a_seat_promotes_the_first_waitlisted_and_tells_them(event):
    holders = [UserFactory(), UserFactory()]
    for user in holders:
        register(event, user)
    first_waiting, second_waiting = UserFactory(real_name="李娜"), UserFactory()
    register(event, first_waiting)
    register(event, second_waiting)
    Message.objects.all().delete()

    actions.registration_cancel(event_id=event.pk, user=holders[0])

    statuses = dict(Registration.objects.filter(event=event).values_list("user_id", "status"))
    assert statuses == {
        holders[0].pk: "cancelled",
        holders[1].pk: "registered",
        first_waiting.pk: "registered",
        second_waiting.pk: "waitlisted",
    }
    promoted = Registration.objects.get(user=first_waiting)
    assert promoted.promoted_at is not None
    # Both moves went through the registration's transition table: one history row and audit row each.
    cancelled = Registration.objects.get(user=holders[0])
    assert [
        (change.target_id, change.from_status, change.to_status, change.actor_id)
        for change in StatusChange.objects.filter(target_type="events.registration").order_by("pk")
    ] == [
        (str(cancelled.pk), "registered", "cancelled", holders[0].pk),
        (str(promoted.pk), "waitlisted", "registered", None),
    ]
    assert list(
        AuditEntry.objects.filter(action__startswith="event.registration.")
        .order_by("pk")
        .values_list("action", "target_id", "actor_id")
    ) == [
        ("event.registration.cancel", str(cancelled.pk), holders[0].pk),
        ("event.registration.promote", str(promoted.pk), None),
    ]
    sent = Message.objects.filter(recipient=first_waiting).order_by("channel")
    assert [m.channel for m in sent] == ["inbox", "sms"]
    assert sent[0].subject == "候补成功：诗歌分享会"
    assert Message.objects.exclude(recipient=first_waiting).count() == 0


def test_leaving_the_waitlist_promotes_nobody(event):
    holders = [UserFactory(), UserFactory()]
    for user in holders:
        register(event, user)
    waiting, later = UserFactory(), UserFactory()
    register(event, waiting)
    register(event, later)
    actions.registration_cancel(event_id=event.pk, user=waiting)
    assert Registration.objects.get(user=later).status == "waitlisted"


def test_cancel_refusals(event, worker):
    with pytest.raises(actions.RegistrationRefused) as refused:
        actions.registration_cancel(event_id=event.pk, user=worker)
    assert refused.value.message == text.NOTHING_TO_CANCEL
    register(event, worker)
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(actions.RegistrationRefused) as refused:
        actions.registration_cancel(event_id=event.pk, user=worker)
    assert refused.value.message == text.CANCEL_AFTER_START
    assert Registration.objects.get(user=worker).status == "registered"
    assert not StatusChange.objects.filter(target_type="events.registration").exists()


def test_the_table_refuses_to_cancel_someone_elses_registration(event, worker):
    registration = register(event, worker)
    with pytest.raises(actions.RegistrationRefused) as refused:
        actions.REGISTRATION_TRANSITIONS.apply(registration, "cancelled", acting_user=UserFactory())
    assert refused.value.message == text.NOTHING_TO_CANCEL
    assert Registration.objects.get(pk=registration.pk).status == "registered"
    assert not StatusChange.objects.filter(target_type="events.registration").exists()


def test_cancelling_the_event_tells_everyone_and_closes_registration(event, lead):
    seated, waiting = UserFactory(), UserFactory()
    RegistrationFactory(event=event, user=seated)
    RegistrationFactory(event=event, user=waiting, status="waitlisted")
    RegistrationFactory(event=event, status="cancelled")
    actions.event_cancel(event_id=event.pk, acting_user=lead, reason="台风预警。")
    event.refresh_from_db()
    assert event.status == "cancelled" and event.cancelled_at is not None
    sms = Message.objects.filter(channel="sms").order_by("recipient_id")
    assert [m.recipient_id for m in sms] == [seated.pk, waiting.pk]
    assert sms[0].subject == "活动取消：诗歌分享会"
    assert sms[0].body.endswith("诗歌分享会已取消。台风预警。")
    with pytest.raises(actions.TransitionNotAllowed):
        actions.event_cancel(event_id=event.pk, acting_user=lead)


def test_event_create_keeps_its_signature(station, lead):
    start = timezone.now() + timedelta(days=7)
    event = actions.event_create(
        station=station,
        kind=Event.Kind.DELIBERATION,
        title="龙湖天街取餐难议事会",
        place="驿站会议室",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        seat_limit=30,
        description="商场、物业和骑手代表一起商量。",
        acting_user=lead,
    )
    assert event.status == "published" and event.created_by == lead
    assert AuditEntry.objects.filter(action="event.create", target_id=str(event.pk)).exists()
