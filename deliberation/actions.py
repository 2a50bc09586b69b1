"""Writes of the deliberation app: every topic, session and follow-up status changes here.

Each action is its own, durable transaction (no request transaction is around it,
so its row locks end with it), locks the rows whose rules it guards, writes the timeline step the raiser and
supporters see, an audit entry and their inbox (and SMS) messages.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import audit
from core.exceptions import ApplicationError, PermissionDenied, TransitionNotAllowed
from core.topic_routes import RaisedTopic
from core.transitions import Change, TransitionTable, status_change_record, transition
from core.uploads import CleanFile
from deliberation.models import FollowUpAction, Party, Session, Support, Topic, TopicPhoto, TopicUpdate
from deliberation.points_kinds import TOPIC_ACCEPTED
from deliberation.selectors import people_to_tell
from delivery.models import Site
from events.actions import managed_event_cancel, managed_event_create  # steps, inside our transactions
from events.models import Event
from notifications.actions import notify
from notifications.models import Message
from points.actions import points_add
from points.selectors import points_for
from stations.models import Station
from stations.selectors import can_run

Status = Topic.Status
Role = TopicUpdate.Role
# What a session's event records as its manager (events.Event.managed_by): this app's label.
MANAGER = "deliberation"

MAX_PHOTOS = 3
TITLE_REQUIRED = _("Please say in a few words what the problem is.")
DESCRIPTION_REQUIRED = _("Please describe the problem: where, when, and how it gets in the way of your work.")
TOO_MANY_PHOTOS = _("Please add at most three photos.")
STATION_CLOSED = _("This station is closed; topics cannot be raised here any more.")
WRONG_STATUS = _("This topic is “%(status)s” now, so it cannot be %(verb)s.")
NOT_THE_LEAD = _("Only the station lead or the station's staff can do this.")
OWN_TOPIC = _("You raised this topic yourself, so you cannot support it; it already counts your voice.")
ALREADY_SUPPORTED = _("You already support this topic. Each person can support a topic once.")
NOT_SUPPORTED = _("You do not support this topic.")
SUPPORT_CLOSED = _("This topic is “%(status)s”; supports are no longer taken.")
WITHDRAW_CLOSED = _("A support can be withdrawn only while the topic is still waiting for the station lead.")
ANSWER_REQUIRED = _(
    "Please write the answer; the worker who raised the topic and the supporters will read it."
)
ENDS_BEFORE_START = _("The session must end after it starts.")
SESSION_IN_PAST = _("A session can be scheduled only in the future.")
SEATS_REQUIRED = _("Please give the number of seats (at least 1).")
PLACE_REQUIRED = _("Please say where the session takes place.")
PARTIES_REQUIRED = _("Please choose at least one party to invite.")
UNKNOWN_PARTY = _("Unknown party: %(party)s.")
AGENDA_REQUIRED = _("Please put at least one accepted topic on the agenda.")
TOPIC_NOT_ACCEPTED = _("Topic “%(title)s” is not accepted for a session, so it cannot go on the agenda.")
TOPIC_OTHER_STATION = _("A topic of another station cannot go on this session's agenda.")
SESSION_ALREADY_HELD = _("The minutes of this session are already recorded; its agenda cannot change.")
SESSION_NOT_STARTED = _("The minutes can be recorded once the session has begun.")
MINUTES_REQUIRED = _("Please write the minutes of the session.")
MINUTES_FIRST = _("Record the minutes of the session first.")
RESOLUTION_REQUIRED = _("Please write what the session resolved for this topic.")
RESOLUTION_FIRST = _("Record the session's resolution for this topic first.")
EXPLANATION_REQUIRED = _("Please write a public explanation of the outcome.")
UNKNOWN_OUTCOME = _("The outcome must be resolved or unresolved.")
WHAT_REQUIRED = _("Please say what will be done.")
DUE_BEFORE_SESSION = _("The due date cannot be before the session.")
FOLLOWUP_NOT_POSSIBLE = _(
    "Follow-up actions can be added once the session's resolution for this topic is recorded."
)
FOLLOWUP_WRONG_STATUS = _("This follow-up action is “%(status)s” already.")
DONE_NOTE_REQUIRED = _("Please write what was done.")
SCHEDULED_NOTE = _("On the agenda of %(session)s, %(when)s, at %(place)s.")
SESSION_CANCELLED = _("This session was cancelled.")
SESSION_CANCELLED_NOTE = _("%(session)s on %(when)s was cancelled; the topic waits for another session.")
SESSION_CANCELLED_REASON = _("Reason: %(reason)s")


def _check_lead(user: User, station: Station) -> None:
    if not can_run(user, station):
        raise PermissionDenied(str(NOT_THE_LEAD))


def _session_not_scheduled(session: Session) -> str:
    return str(SESSION_CANCELLED if session.status == Session.Status.CANCELLED else SESSION_ALREADY_HELD)


def _check_scheduled(session: Session) -> None:
    if session.status != Session.Status.SCHEDULED:
        raise TransitionNotAllowed(_session_not_scheduled(session))


def _leads_its_station(session: Session, acting_user: User) -> None:
    _check_lead(acting_user, session.station)


def _has_started(session: Session, _user: User, _reason: str) -> None:
    if session.starts_at > timezone.now():
        raise TransitionNotAllowed(str(SESSION_NOT_STARTED))


# A session is held (its minutes recorded) or cancelled, once; its history: core.StatusChange rows.
SESSION_TRANSITIONS = TransitionTable(
    model=Session,
    audit_prefix="station.session",
    history=status_change_record,
    select_related=("station",),
    wrong_status=_session_not_scheduled,
    transitions=(
        transition(
            "minutes",
            {Session.Status.SCHEDULED},
            Session.Status.HELD,
            action=_("held"),
            allows=_leads_its_station,
            rule=_has_started,
        ),
        transition(
            "cancel",
            {Session.Status.SCHEDULED},
            Session.Status.CANCELLED,
            action=_("cancelled"),
            allows=_leads_its_station,
        ),
    ),
)


def when_text(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{date_format(local, 'DATE_FORMAT')} {local:%H:%M}"


def _locked(topic_id: int) -> Topic:
    return (
        Topic.objects.select_for_update(of=("self",))
        .select_related("station", "raised_by", "session")
        .get(pk=topic_id)
    )


def _site_language() -> translation.override:
    """Stored notes are in the site's language, whatever language the acting person uses (messages
    render themselves: notifications.messages)."""
    return translation.override(settings.LANGUAGE_CODE)


def _tell(topic: Topic, *, kind: str, params: dict, sms_to_all: bool = False, sms: bool = True) -> None:
    """The raiser by inbox and SMS; supporters by inbox (and SMS when they must come somewhere).

    `kind`: the step, as in "station_topic_<kind>" of deliberation/messages.py.
    `sms=False`: inbox only (reminders from the hourly task, which must not text people at night).
    """
    link = reverse("deliberation:topic_detail", args=[topic.pk])
    for number, person in enumerate(people_to_tell(topic=topic)):
        by_sms = sms and (number == 0 or sms_to_all)
        notify(
            user=person,
            kind=f"station_topic_{kind}",
            params=params,
            link=link,
            channels=[Message.Channel.INBOX, Message.Channel.SMS] if by_sms else [Message.Channel.INBOX],
        )


def _timeline_row(topic: Topic, *, status: str, note: str, actor: User | None, role: str) -> TopicUpdate:
    """The step the raiser and supporters see on the topic's timeline (its history row)."""
    now = timezone.now()
    Topic.objects.filter(pk=topic.pk).update(updated_at=now)
    topic.updated_at = now
    return TopicUpdate.objects.create(
        topic=topic, status=status, note=note, actor=actor, actor_role=role, created_at=now
    )


def _record_change(change: Change) -> TopicUpdate:
    return _timeline_row(
        change.obj, status=change.to_status, note=change.note, actor=change.actor, role=change.transition.role
    )


def _runs_its_station(topic: Topic, user: User) -> None:
    _check_lead(user, topic.station)


def _resolution_recorded(topic: Topic, user: User, explanation: str) -> None:
    if topic.resolution_at is None:
        raise TransitionNotAllowed(str(RESOLUTION_FIRST))


def _minutes_recorded(topic: Topic, user: User, resolution: str) -> None:
    if topic.session is None or topic.session.status != Session.Status.HELD:
        raise TransitionNotAllowed(str(MINUTES_FIRST))


# Every move of a topic is the station's lead's or staff's (stations.selectors.can_run).
_LEAD = {"allows": _runs_its_station, "role": Role.LEAD}
_CONCLUDE = {
    "reason_required": True,
    "reason_message": EXPLANATION_REQUIRED,
    "rule": _resolution_recorded,
    "action": _("concluded"),
    **_LEAD,
}
TRANSITIONS = TransitionTable(
    model=Topic,
    audit_prefix="station.topic",
    history=_record_change,
    wrong_status=WRONG_STATUS,
    select_related=("station", "raised_by", "session"),
    transitions=(
        transition(
            "accept",
            {Status.OPEN},
            Status.ACCEPTED,
            action=_("accepted"),
            label=_("Accept for a session"),
            **_LEAD,
        ),
        transition(
            "close",
            {Status.OPEN},
            Status.CLOSED,
            action=_("answered"),
            label=_("Answer and close (no session)"),
            reason_required=True,
            reason_message=ANSWER_REQUIRED,
            **_LEAD,
        ),
        transition("schedule", {Status.ACCEPTED}, Status.SCHEDULED, action=_("put on the agenda"), **_LEAD),
        transition(
            "unschedule", {Status.SCHEDULED}, Status.ACCEPTED, action=_("taken off the agenda"), **_LEAD
        ),
        # The session's resolution is a step of its own on the timeline; the topic stays scheduled.
        transition(
            "resolution",
            {Status.SCHEDULED},
            Status.SCHEDULED,
            action=_("given a resolution"),
            reason_required=True,
            reason_message=RESOLUTION_REQUIRED,
            rule=_minutes_recorded,
            **{**_LEAD, "role": Role.SESSION},
        ),
        transition(
            "resolved", {Status.SCHEDULED}, Status.RESOLVED, label=_("Conclude: resolved"), **_CONCLUDE
        ),
        transition(
            "unresolved",
            {Status.SCHEDULED},
            Status.UNRESOLVED,
            label=_("Conclude: not resolved"),
            **_CONCLUDE,
        ),
    ),
)


# --- Topics ------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def topic_raise(
    *,
    station: Station,
    raised_by: User,
    title: str,
    description: str,
    photos: Sequence[CleanFile] = (),
    site: Site | None = None,
) -> Topic:
    """A worker raises what blocks their work at a station. Photos arrive cleaned by clean_image."""
    return _topic_create(
        station=station, raised_by=raised_by, title=title, description=description, photos=photos, site=site
    )


def _topic_create(
    *,
    station: Station,
    raised_by: User,
    title: str,
    description: str,
    photos: Sequence[CleanFile] = (),
    site: Site | None = None,
    acting_user: User | None = None,
    note: str = "",
) -> Topic:
    """The step of raising, inside the caller's transaction. `acting_user`: staff who raise it for the
    worker (from a 随口说 opinion); the worker stays the raiser and hears of every step."""
    title, description = title.strip(), description.strip()
    if not title:
        raise ApplicationError(str(TITLE_REQUIRED))
    if not description:
        raise ApplicationError(str(DESCRIPTION_REQUIRED))
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError(str(TOO_MANY_PHOTOS))
    if not station.is_active:
        raise ApplicationError(str(STATION_CLOSED), extra={"field": "station"})
    now = timezone.now()
    topic = Topic.objects.create(
        station=station,
        site=site,
        raised_by=raised_by,
        title=title,
        description=description,
        created_at=now,
        updated_at=now,
    )
    for clean in photos:
        photo = TopicPhoto(topic=topic)
        photo.image.save("photo.jpg", clean.content, save=False)
        photo.thumbnail.save("thumbnail.jpg", clean.thumbnail or clean.content, save=False)
        photo.save()
    _timeline_row(topic, status=Status.OPEN, note=note, actor=raised_by, role=Role.RAISER)
    data = {"station": station.pk} if acting_user is None else {"station": station.pk, "for": raised_by.pk}
    audit.record(actor=acting_user or raised_by, action="station.topic.raise", target=topic, data=data)
    return topic


PASSED_ON_NOTE = _("Passed on by the grid admin from what a grid member heard on the street (随口说).")


def topic_raise_for(
    *, station_id: int, raised_by: User, acting_user: User, title: str, description: str
) -> RaisedTopic:
    """core.topic_routes' raiser (registered in apps.py): staff raise a topic for a worker, inside
    the caller's transaction; the station row is locked so it cannot close meanwhile."""
    station = Station.objects.select_for_update().get(pk=station_id)
    with _site_language():
        note = str(PASSED_ON_NOTE)
    topic = _topic_create(
        station=station,
        raised_by=raised_by,
        title=title,
        description=description,
        acting_user=acting_user,
        note=note,
    )
    return RaisedTopic(pk=topic.pk, title=topic.title, url=topic_url(topic.pk))


def topic_url(topic_id: int) -> str:
    return reverse("deliberation:topic_detail", args=[topic_id])


@transaction.atomic(durable=True)
def topic_support(*, topic_id: int, user: User) -> Support:
    """One support per person: the lock orders supporters, the UNIQUE constraint is the last word."""
    topic = _locked(topic_id)
    if topic.raised_by_id == user.pk:
        raise ApplicationError(str(OWN_TOPIC))
    if not topic.is_live:
        raise TransitionNotAllowed(str(SUPPORT_CLOSED) % {"status": topic.get_status_display()})
    if Support.objects.filter(topic=topic, user=user).exists():
        raise ApplicationError(str(ALREADY_SUPPORTED))
    try:
        with transaction.atomic():
            support = Support.objects.create(topic=topic, user=user)
    except IntegrityError as error:
        raise ApplicationError(str(ALREADY_SUPPORTED)) from error
    audit.record(actor=user, action="station.topic.support", target=topic)
    return support


@transaction.atomic(durable=True)
def topic_unsupport(*, topic_id: int, user: User) -> None:
    topic = _locked(topic_id)
    if topic.status != Status.OPEN:
        raise TransitionNotAllowed(str(WITHDRAW_CLOSED))
    deleted, _details = Support.objects.filter(topic=topic, user=user).delete()
    if not deleted:
        raise ApplicationError(str(NOT_SUPPORTED))
    audit.record(actor=user, action="station.topic.unsupport", target=topic)


@transaction.atomic(durable=True)
def topic_accept(*, topic_id: int, acting_user: User, note: str = "") -> Topic:
    """The station lead takes the topic to a session; the raiser earns points once."""
    with _site_language():
        shown = note.strip() or gettext(
            "The station lead will put it on the agenda of a deliberation session."
        )
    topic = TRANSITIONS.apply(
        topic_id,
        Status.ACCEPTED,
        via="accept",
        acting_user=acting_user,
        reason=note,
        note=shown,
        audit_note=note,
    )
    amount = points_for(TOPIC_ACCEPTED)
    if amount > 0:
        points_add(
            user=topic.raised_by,
            amount=amount,
            reason=TOPIC_ACCEPTED,
            source=topic,
            once_key=f"topic_accepted:{topic.pk}",
            acting_user=acting_user,
        )
    _tell(topic, kind="accepted", params={"title": topic.title, "station": topic.station.name})
    return topic


@transaction.atomic(durable=True)
def topic_close(*, topic_id: int, acting_user: User, answer: str) -> Topic:
    """The station lead answers the topic directly; no session is needed."""
    answer = answer.strip()
    topic = TRANSITIONS.apply(
        topic_id, Status.CLOSED, acting_user=acting_user, reason=answer, fields={"answer": answer}
    )
    _tell(topic, kind="closed", params={"title": topic.title, "answer": answer})
    return topic


# --- Sessions ----------------------------------------------------------------------------


def _clean_parties(parties: Iterable[str]) -> list[str]:
    chosen = []
    for party in parties:
        if party not in Party.values:
            raise ApplicationError(str(UNKNOWN_PARTY) % {"party": party})
        if party not in chosen:
            chosen.append(party)
    if not chosen:
        raise ApplicationError(str(PARTIES_REQUIRED))
    # The order of the choices, whatever order they were ticked in.
    return [party for party in Party.values if party in chosen]


def _put_on_agenda(session: Session, topic_ids: Iterable[int], acting_user: User) -> list[Topic]:
    topics = list(
        Topic.objects.select_for_update(of=("self",))
        .select_related("station", "raised_by")
        .filter(pk__in=list(topic_ids))
        .order_by("pk")
    )
    if not topics:
        raise ApplicationError(str(AGENDA_REQUIRED))
    for topic in topics:
        if topic.station_id != session.station_id:
            raise ApplicationError(str(TOPIC_OTHER_STATION))
        if topic.status != Status.ACCEPTED:
            raise TransitionNotAllowed(str(TOPIC_NOT_ACCEPTED) % {"title": topic.title})
    with _site_language():
        when = when_text(session.starts_at)
        note = str(SCHEDULED_NOTE) % {"session": session.title, "when": when, "place": session.place}
    for number, topic in enumerate(topics):
        topics[number] = topic = TRANSITIONS.apply(
            topic,
            Status.SCHEDULED,
            via="schedule",
            acting_user=acting_user,
            fields={"session": session},
            note=note,
            audit_data={"session": session.pk},
        )
        _tell(
            topic,
            kind="scheduled",
            params={"title": topic.title, "when": session.starts_at, "place": session.place},
            sms_to_all=True,
        )
    return topics


@transaction.atomic(durable=True)
def session_schedule(
    *,
    station: Station,
    starts_at: datetime,
    ends_at: datetime,
    place: str,
    parties: Iterable[str],
    topic_ids: Iterable[int],
    seat_limit: int,
    acting_user: User,
    title: str = "",
) -> Session:
    """Schedule a session with its agenda; its Event (registration, check-in) is made by the events app."""
    _check_lead(acting_user, station)
    place = place.strip()
    if not place:
        raise ApplicationError(str(PLACE_REQUIRED))
    if ends_at <= starts_at:
        raise ApplicationError(str(ENDS_BEFORE_START))
    if starts_at <= timezone.now():
        raise ApplicationError(str(SESSION_IN_PAST))
    if not seat_limit or seat_limit < 1:
        raise ApplicationError(str(SEATS_REQUIRED))
    chosen = _clean_parties(parties)
    topic_ids = list(topic_ids)
    if not topic_ids:
        raise ApplicationError(str(AGENDA_REQUIRED))
    with translation.override(settings.LANGUAGE_CODE):
        title = title.strip() or gettext("%(station)s deliberation session") % {"station": station.name}
        labels = dict(Party.choices)
        description = gettext("Parties invited: %(parties)s") % {
            "parties": "、".join(str(labels[party]) for party in chosen)
        }
    event = managed_event_create(
        managed_by=MANAGER,
        station=station,
        kind=Event.Kind.DELIBERATION,
        title=title,
        description=description,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        seat_limit=seat_limit,
        acting_user=acting_user,
    )
    session = Session.objects.create(
        station=station,
        event=event,
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        parties=chosen,
        created_by=acting_user,
    )
    audit.record(
        actor=acting_user, action="station.session.schedule", target=session, data={"event": event.pk}
    )
    _put_on_agenda(session, topic_ids, acting_user)
    return session


@transaction.atomic(durable=True)
def session_agenda_add(*, session_id: int, topic_ids: Iterable[int], acting_user: User) -> list[Topic]:
    """Put more accepted topics on a session that has not been held yet."""
    session = Session.objects.select_for_update().select_related("station").get(pk=session_id)
    _check_lead(acting_user, session.station)
    _check_scheduled(session)
    return _put_on_agenda(session, topic_ids, acting_user)


@transaction.atomic(durable=True)
def session_record_minutes(*, session_id: int, minutes: str, acting_user: User) -> Session:
    minutes = minutes.strip()
    if not minutes:
        raise ApplicationError(str(MINUTES_REQUIRED))
    session = SESSION_TRANSITIONS.apply(
        session_id,
        Session.Status.HELD,
        acting_user=acting_user,
        fields={"minutes": minutes, "minutes_at": timezone.now()},
    )
    for topic in session.agenda.select_related("station", "raised_by").order_by("pk"):
        _tell(topic, kind="minutes", params={"title": topic.title, "session": session.title}, sms=False)
    return session


@transaction.atomic(durable=True)
def session_cancel(*, session_id: int, acting_user: User, reason: str) -> Session:
    """Call off a session that has not been held: its event is cancelled (the registered hear it from
    the events app), its agenda topics go back to “accepted” for another session, their people are told.
    """
    reason = reason.strip()

    def cancel_its_event(change: Change) -> None:
        managed_event_cancel(
            event_id=change.obj.event_id, managed_by=MANAGER, acting_user=acting_user, reason=reason
        )

    session = SESSION_TRANSITIONS.apply(
        session_id, Session.Status.CANCELLED, acting_user=acting_user, reason=reason, prepare=cancel_its_event
    )
    topics = list(
        Topic.objects.select_for_update(of=("self",))
        .select_related("station", "raised_by")
        .filter(session=session, status=Status.SCHEDULED)
        .order_by("pk")
    )
    with _site_language():
        when = when_text(session.starts_at)
        note = str(SESSION_CANCELLED_NOTE) % {"session": session.title, "when": when}
        if reason:
            note = f"{note} {str(SESSION_CANCELLED_REASON) % {'reason': reason}}"
    for topic in topics:
        topic = TRANSITIONS.apply(
            topic,
            Status.ACCEPTED,
            via="unschedule",
            acting_user=acting_user,
            fields={"session": None},
            note=note,
            audit_data={"session": session.pk},
        )
        _tell(topic, kind="session_cancelled", params={"title": topic.title, "note": note}, sms_to_all=True)
    return session


@transaction.atomic(durable=True)
def topic_record_resolution(
    *, topic_id: int, resolution: str, acting_user: User, followups: Sequence[dict] = ()
) -> Topic:
    """What the session resolved for one agenda topic, with the actions parties took on (owner, what, due)."""
    resolution = resolution.strip()
    topic = TRANSITIONS.apply(
        topic_id,
        Status.SCHEDULED,
        via="resolution",
        acting_user=acting_user,
        reason=resolution,
        fields={"resolution": resolution, "resolution_at": timezone.now()},
    )
    for followup in followups:
        _followup_create(topic, acting_user=acting_user, **followup)
    _tell(topic, kind="resolution", params={"title": topic.title, "resolution": resolution})
    return topic


@transaction.atomic(durable=True)
def topic_conclude(*, topic_id: int, outcome: str, explanation: str, acting_user: User) -> Topic:
    """The topic ends resolved or unresolved, with an explanation everyone can read."""
    explanation = explanation.strip()
    if outcome not in (Status.RESOLVED, Status.UNRESOLVED):
        raise ApplicationError(str(UNKNOWN_OUTCOME))
    topic = TRANSITIONS.apply(
        topic_id, outcome, acting_user=acting_user, reason=explanation, fields={"explanation": explanation}
    )
    _tell(topic, kind=outcome, params={"title": topic.title, "explanation": explanation})
    return topic


# --- Follow-up actions -------------------------------------------------------------------


def _runs_its_topics_station(action: FollowUpAction, user: User) -> None:
    _check_lead(user, action.topic.station)


FollowUpStatus = FollowUpAction.Status
# A follow-up's history is kept as core.StatusChange rows (it has no timeline of its own).
FOLLOWUP_TRANSITIONS = TransitionTable(
    model=FollowUpAction,
    audit_prefix="station.followup",
    history=status_change_record,
    select_related=("topic__station__lead", "topic__raised_by"),
    transitions=(
        transition(
            "done",
            {FollowUpStatus.OPEN, FollowUpStatus.OVERDUE},
            FollowUpStatus.DONE,
            action=_("done"),
            label=_("Mark done"),
            allows=_runs_its_topics_station,
            reason_required=True,
            reason_message=DONE_NOTE_REQUIRED,
            wrong_status=FOLLOWUP_WRONG_STATUS,
        ),
        # The hourly task's, when the due date has passed.
        transition("overdue", {FollowUpStatus.OPEN}, FollowUpStatus.OVERDUE, action=_("overdue")),
    ),
)


def _followup_params(action: FollowUpAction) -> dict:
    # The owner's label is lazy and the due date a date: notify() renders both in the reader's language.
    return {
        "title": action.topic.title,
        "owner": Party(action.owner_party).label,
        "what": action.what,
        "due": action.due_on,
    }


def _followup_create(
    topic: Topic, *, owner_party: str, what: str, due_on: date, acting_user: User
) -> FollowUpAction:
    what = what.strip()
    if owner_party not in Party.values:
        raise ApplicationError(str(UNKNOWN_PARTY) % {"party": owner_party})
    if not what:
        raise ApplicationError(str(WHAT_REQUIRED))
    if topic.session is None:  # a follow-up comes from a session's resolution
        raise ApplicationError(str(DUE_BEFORE_SESSION))
    if due_on < timezone.localdate(topic.session.starts_at):
        raise ApplicationError(str(DUE_BEFORE_SESSION))
    action = FollowUpAction.objects.create(
        topic=topic, owner_party=owner_party, what=what, due_on=due_on, created_by=acting_user
    )
    audit.record(actor=acting_user, action="station.followup.add", target=action, data={"topic": topic.pk})
    return action


@transaction.atomic(durable=True)
def followup_add(
    *, topic_id: int, owner_party: str, what: str, due_on: date, acting_user: User
) -> FollowUpAction:
    topic = _locked(topic_id)
    _check_lead(acting_user, topic.station)
    if topic.session_id is None or topic.resolution_at is None:
        raise TransitionNotAllowed(str(FOLLOWUP_NOT_POSSIBLE))
    action = _followup_create(
        topic, owner_party=owner_party, what=what, due_on=due_on, acting_user=acting_user
    )
    _tell(topic, kind="followup_added", params=_followup_params(action), sms=False)
    return action


@transaction.atomic(durable=True)
def followup_done(*, action_id: int, note: str, acting_user: User) -> FollowUpAction:
    note = note.strip()
    action = FOLLOWUP_TRANSITIONS.apply(
        action_id,
        FollowUpStatus.DONE,
        acting_user=acting_user,
        reason=note,
        fields={"done_note": note, "done_at": timezone.now()},
    )
    _tell(action.topic, kind="followup_done", params={**_followup_params(action), "note": note}, sms=False)
    return action


@transaction.atomic(durable=True)
def followups_mark_overdue(*, today: date | None = None) -> int:
    """Open actions past their due date become overdue; the station lead and the topic's people hear of it.

    SKIP LOCKED: an action someone is marking done right now is left for the next run.
    """
    today = today or timezone.localdate()
    due = list(
        FollowUpAction.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(status=FollowUpAction.Status.OPEN, due_on__lt=today)
        .select_related("topic__station__lead", "topic__raised_by")
        .order_by("id")
    )
    now = timezone.now()
    for number, action in enumerate(due):
        due[number] = action = FOLLOWUP_TRANSITIONS.apply(
            action, FollowUpStatus.OVERDUE, acting_user=None, fields={"overdue_at": now}
        )
        topic = action.topic
        params = _followup_params(action)
        _tell(topic, kind="followup_overdue", params=params, sms=False)
        lead = topic.station.lead
        if lead is not None and lead.pk not in {person.pk for person in people_to_tell(topic=topic)}:
            notify(
                user=lead,
                kind="station_followup_overdue",
                params=params,
                link=reverse("deliberation:station_detail", args=[topic.station_id]),
                channels=[Message.Channel.INBOX],
            )
    return len(due)
