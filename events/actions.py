"""Writes of the events app: registration with a waitlist, verified check-in, contest results.

Lock order, everywhere: the Event row first, then its registrations. So a
cancellation that promotes someone from the waitlist and a new registration
for the last seat never overtake each other.
"""

from datetime import UTC, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import audit
from core.exceptions import ApplicationError, PermissionDenied, TransitionNotAllowed
from core.transitions import Change, TransitionTable, status_change_record, transition
from events import codes
from events.models import CheckIn, ContestResult, Event, Registration
from events.points_kinds import CONTEST_RANK_1, CONTEST_RANK_2, CONTEST_RANK_3, EVENT_ATTENDED
from notifications.actions import notify
from notifications.models import Message
from points.actions import points_add
from points.selectors import points_for
from stations.models import Station
from stations.selectors import can_run

REGISTER_EVENT_CANCELLED = _("This event was cancelled; registration is closed.")
REGISTER_EVENT_STARTED = _("This event has already started; registration is closed.")
ALREADY_REGISTERED = _("You are already registered for this event (or on its waitlist).")
NOTHING_TO_CANCEL = _("You have no registration for this event to cancel.")
CANCEL_AFTER_START = _("The event has already started; the registration can no longer be cancelled.")
EVENT_ALREADY_CANCELLED = _("This event is already cancelled.")
EVENT_ALREADY_ENDED = _("This event has already ended and cannot be cancelled.")
EVENT_OF_A_SESSION = _(
    "This event belongs to a deliberation session. Cancel the session instead "
    "(Deliberation › Deliberation sessions); its event is cancelled with it."
)
EVENT_OF_A_SESSION_FIELDS = _(
    "This event belongs to a deliberation session: its station, kind, place and time are the "
    "session's and cannot be changed here."
)
STATION_CLOSED = _("This station is closed; events can be published only at open stations.")
CANCEL_AFTER_CHECKIN = _("You have already checked in; the registration can no longer be cancelled.")

CHECKIN_EVENT_CANCELLED = _("This event was cancelled; there is no check-in.")
CHECKIN_NOT_OPEN = _("Check-in is open from 30 minutes before the start until the end of the event.")
CHECKIN_NOT_REGISTERED = _(
    "Only workers with a seat at this event can check in (not on the waitlist, not cancelled)."
)
CHECKIN_TWICE = _("You have already checked in to this event.")
CODE_EXPIRED = _("This code has expired. Please type the code the screen shows now.")
CODE_OTHER_EVENT = _("This code belongs to another event. Please check that you opened the right event.")
CODE_WRONG = _("The code is not right. Please type the 6 digits the screen at the venue shows.")

NOT_A_CONTEST = _("Results are recorded only for skill contests.")
RANK_TOO_LOW = _("The rank is a place: 1 for the winner, 2 for the next, and so on.")
SCORE_NEGATIVE = _("The score cannot be below 0.")
NOT_CHECKED_IN = _("Only participants who checked in can get a result.")
RESULTS_ALREADY_PUBLISHED = _("The results are already published and can no longer be changed.")
NO_RESULTS = _("Record at least one result before publishing.")
RESULTS_BEFORE_START = _("Results can be published only after the contest has started.")
CONTEST_CANCELLED = _("This contest was cancelled; its results can be neither recorded nor published.")
NOT_YOUR_STATION = _("Only the staff of the event's station can do this.")

RANK_RULES = {
    1: CONTEST_RANK_1,
    2: CONTEST_RANK_2,
    3: CONTEST_RANK_3,
}


class RegistrationRefused(TransitionNotAllowed):
    pass


class CheckInRefused(TransitionNotAllowed):
    pass


class WrongCode(CheckInRefused):
    """The code itself was refused (expired, another event's, wrong): the pages count these."""


def _tell(user: User, *, kind: str, params: dict[str, object], event: Event, sms: bool = False) -> None:
    """An inbox message (and SMS when it matters); notify() words it in the reader's language."""
    notify(
        user=user,
        kind=kind,
        params={"title": event.title, "when": event.starts_at, "place": event.place, **params},
        link=reverse("events:detail", args=[event.pk]),
        channels=[Message.Channel.INBOX, Message.Channel.SMS] if sms else [Message.Channel.INBOX],
    )


# --- Events ----------------------------------------------------------------------------------


def _check_runs(acting_user: User | None, station: Station) -> None:
    """Staff act on the events of the stations they run (the stations door); a system call has no actor."""
    if acting_user is not None and not can_run(acting_user, station):
        raise PermissionDenied(str(NOT_YOUR_STATION))


def _runs_its_station(event: Event, acting_user: User | None) -> None:
    _check_runs(acting_user, event.station)


def _runs_it_and_no_app_manages_it(event: Event, acting_user: User | None) -> None:
    _check_runs(acting_user, event.station)
    if event.is_managed:
        # Today only deliberation manages events, hence the message.
        raise TransitionNotAllowed(str(EVENT_OF_A_SESSION))


# An event's status changes once: it is cancelled (its history: core.StatusChange rows).
EVENT_TRANSITIONS = TransitionTable(
    model=Event,
    audit_prefix="event",
    history=status_change_record,
    select_related=("station",),
    wrong_status=EVENT_ALREADY_CANCELLED,
    transitions=(
        transition(
            "cancel",
            {Event.Status.PUBLISHED},
            Event.Status.CANCELLED,
            action=_("cancelled"),
            label=_("Cancel the event (everyone registered is told)"),
            allows=_runs_it_and_no_app_manages_it,
        ),
        # By the app that manages the event (a session's), with its own record: managed_event_cancel.
        transition(
            "cancel_managed",
            {Event.Status.PUBLISHED},
            Event.Status.CANCELLED,
            action=_("cancelled"),
            allows=_runs_its_station,
            audit="event.cancel",
        ),
    ),
)


@transaction.atomic(durable=True)
def event_create(
    *,
    station: Station,
    kind: str,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    seat_limit: int,
    description: str = "",
    acting_user: User | None = None,
) -> Event:
    """Publish an event at a station; registration opens at once. Only at an open station."""
    return _event_create(
        station=station,
        kind=kind,
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        seat_limit=seat_limit,
        description=description,
        acting_user=acting_user,
    )


@transaction.atomic(durable=True)
def event_cancel(
    *, event_id: int, acting_user: User | None, reason: str = "", now: datetime | None = None
) -> Event:
    """Cancel an event; everyone registered or waitlisted hears it (inbox and SMS).

    An event another app manages (a deliberation session's) is refused: it is cancelled with its
    session, through managed_event_cancel.
    """
    return _event_cancel(event_id=event_id, acting_user=acting_user, reason=reason, now=now)


# --- Steps for the apps that manage events (deliberation: a session's event) -----------------
# Without a transaction of their own: the managing app calls them inside its action's, so its
# record and the event change together or not at all.


def _inside_a_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a step: call it inside the managing app's transaction")


def managed_event_create(
    *,
    managed_by: str,
    station: Station,
    kind: str,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    seat_limit: int,
    description: str = "",
    acting_user: User | None = None,
) -> Event:
    """Publish the event of another app's record (`managed_by`: that app's label); see Event.managed_by."""
    _inside_a_transaction()
    if not managed_by:
        raise ValueError("managed_by names the app that manages the event")
    return _event_create(
        station=station,
        kind=kind,
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        seat_limit=seat_limit,
        description=description,
        acting_user=acting_user,
        managed_by=managed_by,
    )


def managed_event_cancel(
    *,
    event_id: int,
    managed_by: str,
    acting_user: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> Event:
    """Cancel the event of another app's record with it; refused unless `managed_by` manages it."""
    _inside_a_transaction()
    if not managed_by:
        raise ValueError("managed_by names the app that manages the event")
    return _event_cancel(
        event_id=event_id, acting_user=acting_user, reason=reason, now=now, managed_by=managed_by
    )


def _event_create(
    *,
    station: Station,
    kind: str,
    title: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    seat_limit: int,
    description: str = "",
    acting_user: User | None = None,
    managed_by: str = "",
) -> Event:
    """Publish an event at a station; registration opens at once. Only at an open station."""
    _check_runs(acting_user, station)
    if not station.is_active:
        raise ApplicationError(str(STATION_CLOSED), extra={"field": "station"})
    event = Event(
        station=station,
        kind=kind,
        title=title,
        description=description,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        seat_limit=seat_limit,
        created_by=acting_user,
        managed_by=managed_by,
    )
    event.full_clean()
    event.save()
    audit.record(
        actor=acting_user,
        action="event.create",
        target=event,
        data={"kind": kind, **({"managed_by": managed_by} if managed_by else {})},
    )
    return event


# What staff change on a published event in the admin (a managed event: only title, text, seats).
EVENT_FIELDS = ("station", "kind", "title", "description", "place", "starts_at", "ends_at", "seat_limit")
# Set by the app that manages the event (a deliberation session's): they change there, never here.
MANAGED_FIELDS = ("station", "kind", "place", "starts_at", "ends_at")


def _audit_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(getattr(value, "pk", value))


@transaction.atomic(durable=True)
def event_update(
    *, event_id: int, values: dict[str, object], acting_user: User | None, now: datetime | None = None
) -> tuple[Event, list[Registration]]:
    """Change an event's time, place, seats or text; audited with each value before and after.

    Staff act on the events of the stations they run (before and after a change of station). More
    seats move the first waitlisted people up at once (they hear it); returns (event, promoted).
    """
    now = now or timezone.now()
    event = Event.objects.select_for_update(of=("self",)).select_related("station").get(pk=event_id)
    _check_runs(acting_user, event.station)
    if event.status == Event.Status.CANCELLED:
        raise TransitionNotAllowed(str(EVENT_ALREADY_CANCELLED))
    before = {field: _audit_value(getattr(event, field)) for field in EVENT_FIELDS}
    if event.is_managed and any(
        field in values and _audit_value(values[field]) != before[field] for field in MANAGED_FIELDS
    ):
        raise TransitionNotAllowed(str(EVENT_OF_A_SESSION_FIELDS))
    for field in EVENT_FIELDS:
        if field in values:
            setattr(event, field, values[field])
    if event.station_id != int(before["station"]):
        _check_runs(acting_user, event.station)
        if not event.station.is_active:
            raise ApplicationError(str(STATION_CLOSED), extra={"field": "station"})
    try:
        event.full_clean()
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages)) from error
    event.save()
    changed = {
        field: {"from": before[field], "to": _audit_value(getattr(event, field))}
        for field in EVENT_FIELDS
        if before[field] != _audit_value(getattr(event, field))
    }
    promoted = []
    if event.status == Event.Status.PUBLISHED and now < event.starts_at:
        promoted = _promote_waitlisted(event, now)
    audit.record(
        actor=acting_user,
        action="event.change",
        target=event,
        data={"changed": changed, "promoted": len(promoted)},
    )
    return event, promoted


def _event_cancel(
    *,
    event_id: int,
    acting_user: User | None,
    reason: str = "",
    now: datetime | None = None,
    managed_by: str = "",
) -> Event:
    """Cancel an event; everyone registered or waitlisted hears it (inbox and SMS).

    A managed event (Event.managed_by) is cancelled only by the app that manages it, with its own
    record (managed_event_cancel); anyone else is refused.
    """
    now = now or timezone.now()

    def before_the_end(change: Change) -> None:
        if managed_by and change.obj.managed_by != managed_by:
            raise ValueError(f"event {change.obj.pk} is not managed by {managed_by!r}")
        if change.obj.ends_at <= now:
            raise TransitionNotAllowed(str(EVENT_ALREADY_ENDED))
        change.fields["cancelled_at"] = now

    event = EVENT_TRANSITIONS.apply(
        event_id,
        Event.Status.CANCELLED,
        via="cancel_managed" if managed_by else "cancel",
        acting_user=acting_user,
        reason=reason,
        prepare=before_the_end,
    )
    live = event.registrations.exclude(status=Registration.Status.CANCELLED).select_related("user")
    for registration in live:
        _tell(registration.user, kind="event_cancelled", params={"reason": reason}, event=event, sms=True)
    return event


# --- Registration ------------------------------------------------------------------------------


def _own_registration(registration: Registration, acting_user: User | None) -> None:
    if acting_user is None or registration.user_id != acting_user.pk:
        raise RegistrationRefused(str(NOTHING_TO_CANCEL))


RegistrationStatus = Registration.Status
# A registration starts registered or waitlisted (registration_create: the seat count under the
# event's lock decides); afterwards it moves only here. Its history: core.StatusChange rows.
REGISTRATION_TRANSITIONS = TransitionTable(
    model=Registration,
    audit_prefix="event.registration",
    history=status_change_record,
    select_related=("user",),
    transitions=(
        transition(
            "cancel",
            {RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED},
            RegistrationStatus.CANCELLED,
            action=_("cancelled"),
            allows=_own_registration,
        ),
        # A seat came free (a cancellation, more seats): the event's lock is held by the caller.
        transition(
            "promote",
            {RegistrationStatus.WAITLISTED},
            RegistrationStatus.REGISTERED,
            action=_("moved up from the waitlist"),
        ),
    ),
)


def _seats_taken(event: Event) -> int:
    return event.registrations.filter(status=Registration.Status.REGISTERED).count()


@transaction.atomic(durable=True)
def registration_create(*, event_id: int, user: User, now: datetime | None = None) -> Registration:
    """A seat while seats are free, else a place on the waitlist. One live registration per person."""
    now = now or timezone.now()
    # The event row lock serialises everyone counting the free seats of this event.
    event = Event.objects.select_for_update().get(pk=event_id)
    if event.status == Event.Status.CANCELLED:
        raise RegistrationRefused(str(REGISTER_EVENT_CANCELLED))
    if now >= event.starts_at:
        raise RegistrationRefused(str(REGISTER_EVENT_STARTED))
    if event.registrations.filter(user=user).exclude(status=Registration.Status.CANCELLED).exists():
        raise RegistrationRefused(str(ALREADY_REGISTERED))
    seat_free = _seats_taken(event) < event.seat_limit
    status = Registration.Status.REGISTERED if seat_free else Registration.Status.WAITLISTED
    registration = Registration.objects.create(event=event, user=user, status=status, created_at=now)
    audit.record(actor=user, action="event.register", target=registration, data={"status": status})
    _tell(user, kind=f"event_{status}", params={}, event=event)
    return registration


@transaction.atomic(durable=True)
def registration_cancel(*, event_id: int, user: User, now: datetime | None = None) -> Registration:
    """The worker gives up a seat (or waitlist place); the first waitlisted person moves up."""
    now = now or timezone.now()
    event = Event.objects.select_for_update().get(pk=event_id)
    registration = (
        Registration.objects.select_for_update()
        .filter(event=event, user=user)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )
    if registration is None:
        raise RegistrationRefused(str(NOTHING_TO_CANCEL))
    if now >= event.starts_at:
        raise RegistrationRefused(str(CANCEL_AFTER_START))
    # Check-in opens before the start: whoever checked in keeps the seat (and the points stay earned).
    if CheckIn.objects.filter(event=event, user=user).exists():
        raise RegistrationRefused(str(CANCEL_AFTER_CHECKIN))
    had_seat = registration.status == Registration.Status.REGISTERED
    registration = REGISTRATION_TRANSITIONS.apply(
        registration, Registration.Status.CANCELLED, acting_user=user, fields={"cancelled_at": now}
    )
    if had_seat and event.status == Event.Status.PUBLISHED:
        _promote_waitlisted(event, now)
    return registration


def _promote_waitlisted(event: Event, now: datetime) -> list[Registration]:
    """Fill free seats from the waitlist, first come first served (the event row is locked)."""
    free = event.seat_limit - _seats_taken(event)
    if free <= 0:
        return []
    waiting = list(
        Registration.objects.select_for_update()
        .filter(event=event, status=Registration.Status.WAITLISTED)
        .select_related("user")
        .order_by("created_at", "id")[:free]
    )
    promoted = []
    for waiting_registration in waiting:
        registration = REGISTRATION_TRANSITIONS.apply(
            waiting_registration,
            Registration.Status.REGISTERED,
            via="promote",
            acting_user=None,
            fields={"promoted_at": now},
        )
        promoted.append(registration)
        _tell(registration.user, kind="event_promoted", params={}, event=event, sms=True)
    return promoted


# --- Check-in --------------------------------------------------------------------------------


def _code_of_another_open_event(event: Event, code: str, now: datetime) -> bool:
    others = (
        Event.objects.filter(
            status=Event.Status.PUBLISHED,
            starts_at__lte=now + Event.CHECKIN_OPENS_BEFORE,
            ends_at__gt=now,
        )
        .exclude(pk=event.pk)
        .values_list("pk", flat=True)
    )
    return any(codes.is_current(other_id, code, now) for other_id in others)


@transaction.atomic(durable=True)
def checkin_create(*, event_id: int, user: User, code: str, now: datetime | None = None) -> CheckIn:
    """Verified attendance: the code shown at the venue, typed by a worker with a seat. Points once."""
    now = now or timezone.now()
    event = Event.objects.get(pk=event_id)
    if event.status == Event.Status.CANCELLED:
        raise CheckInRefused(str(CHECKIN_EVENT_CANCELLED))
    if not event.is_checkin_open(now):
        raise CheckInRefused(str(CHECKIN_NOT_OPEN))
    # The registration row lock makes two taps of the same worker wait for each other.
    registration = (
        Registration.objects.select_for_update()
        .filter(event=event, user=user, status=Registration.Status.REGISTERED)
        .first()
    )
    if registration is None:
        raise CheckInRefused(str(CHECKIN_NOT_REGISTERED))
    # By event and person, not by registration: one check-in per event whatever happened to the seat.
    if CheckIn.objects.filter(event=event, user=user).exists():
        raise CheckInRefused(str(CHECKIN_TWICE))
    verdict = codes.verify(event.pk, code, opened_at=event.checkin_opens_at, at=now)
    if verdict == codes.EXPIRED:
        raise WrongCode(str(CODE_EXPIRED))
    if verdict != codes.OK:
        if _code_of_another_open_event(event, code, now):
            raise WrongCode(str(CODE_OTHER_EVENT))
        raise WrongCode(str(CODE_WRONG))
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                registration=registration, event=event, user=user, created_at=now
            )
    except IntegrityError:
        raise CheckInRefused(str(CHECKIN_TWICE)) from None
    amount = points_for(EVENT_ATTENDED)
    if amount > 0:
        entry = points_add(
            user=user,
            amount=amount,
            reason=EVENT_ATTENDED,
            source=checkin,
            once_key=f"event_attended:{event.pk}:{user.pk}",
        )
        if entry is not None:
            checkin.points = entry.amount
            checkin.save(update_fields=["points"])
    audit.record(actor=user, action="event.checkin", target=checkin, data={"points": checkin.points})
    return checkin


# --- Skill contests --------------------------------------------------------------------------


def _locked_contest(event_id: int) -> Event:
    event = Event.objects.select_for_update().get(pk=event_id)
    if event.kind != Event.Kind.CONTEST:
        raise ApplicationError(str(NOT_A_CONTEST))
    if event.status == Event.Status.CANCELLED:
        raise TransitionNotAllowed(str(CONTEST_CANCELLED))
    if event.results_published_at is not None:
        raise TransitionNotAllowed(str(RESULTS_ALREADY_PUBLISHED))
    return event


@transaction.atomic(durable=True)
def contest_result_record(
    *, event_id: int, user: User, rank: int, score: Decimal, acting_user: User | None
) -> ContestResult:
    """Record (or correct, before publishing) a checked-in participant's rank and score."""
    if rank < 1:
        raise ApplicationError(str(RANK_TOO_LOW), extra={"field": "rank"})
    if score < 0:
        raise ApplicationError(str(SCORE_NEGATIVE), extra={"field": "score"})
    event = _locked_contest(event_id)
    _check_runs(acting_user, event.station)
    checkin = CheckIn.objects.filter(event=event, user=user).first()
    if checkin is None:
        raise ApplicationError(str(NOT_CHECKED_IN))
    result, created = ContestResult.objects.update_or_create(
        event=event,
        user=user,
        defaults={
            "checkin": checkin,
            "rank": rank,
            "score": score,
            "recorded_by": acting_user,
            "recorded_at": timezone.now(),
        },
    )
    audit.record(
        actor=acting_user,
        action="event.result.record" if created else "event.result.correct",
        target=result,
        data={"rank": rank, "score": str(score)},
    )
    return result


@transaction.atomic(durable=True)
def contest_results_publish(
    *, event_id: int, acting_user: User | None, now: datetime | None = None
) -> list[ContestResult]:
    """Publish the results once: ranks 1 to 3 earn points (each worker once), everyone hears their place."""
    now = now or timezone.now()
    event = _locked_contest(event_id)
    _check_runs(acting_user, event.station)
    if now < event.starts_at:
        raise TransitionNotAllowed(str(RESULTS_BEFORE_START))
    results = list(event.results.select_related("user").order_by("rank", "id"))
    if not results:
        raise ApplicationError(str(NO_RESULTS))
    event.results_published_at = now
    event.save(update_fields=["results_published_at"])
    # Ascending user id: every transaction awarding points to several people locks their point
    # accounts in the same order, so two of them never deadlock.
    results.sort(key=lambda result: result.user_id)
    for result in results:
        rule = RANK_RULES.get(result.rank)
        amount = points_for(rule) if rule else 0
        if rule and amount > 0:
            entry = points_add(
                user=result.user,
                amount=amount,
                reason=rule,
                source=result,
                once_key=f"contest_rank:{event.pk}:{result.user_id}",
                acting_user=acting_user,
            )
            if entry is not None:
                result.points = entry.amount
                result.save(update_fields=["points"])
        _tell(
            result.user,
            kind="event_contest_result_points" if result.points else "event_contest_result",
            params={"rank": result.rank, "score": result.score, "points": result.points},
            event=event,
        )
    audit.record(
        actor=acting_user, action="event.results.publish", target=event, data={"results": len(results)}
    )
    return sorted(results, key=lambda result: (result.rank, result.pk))
