"""Writes of 随手帮 and 随口说: every status changes here, through one TransitionTable per model.

Each action is its own durable transaction; the status row is locked by core.transitions, so two
members taking the same help request at the same moment are served one after the other and the
second reads “taken”. Points go through the ledger's `points_add` with a once_key: a verified
deed, a confirmed request and an adopted opinion each earn once, whatever is retried.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from core import audit, topic_routes
from core.dates import time_span
from core.exceptions import ApplicationError, PermissionDenied, TransitionNotAllowed
from core.permissions import require_permission
from core.transitions import Change, TransitionTable, status_change_record, transition
from core.uploads import CleanFile
from governance.models import Grid, GridMember
from governance.selectors import is_grid_member, live_memberships
from notifications.actions import notify
from notifications.models import Message
from points.actions import points_add
from points.selectors import points_for
from stations.models import Station
from voice.audio import CleanAudio
from voice.models import WINDOW_BACKWARDS, HelpDeed, HelpRecipient, HelpRequest, Opinion
from voice.points_kinds import HELP_REQUEST_CONFIRMED, HELP_VERIFIED, OPINION_ADOPTED

NOT_A_GRID_MEMBER = _(
    "Only appointed grid members can do this. Ask the grid admin of your community to appoint you."
)
NOT_IN_THIS_GRID = _("This help request is for the members of another grid.")
NOTE_REQUIRED = _("Please write in a few words what you did.")
TEXT_REQUIRED = _("Please record or write what people said.")
WHAT_REQUIRED = _("Please write what help is needed.")
WINDOW_OVER = _("The time window of this help request is over.")
NAME_REQUIRED = _("Please give the name of the person to be helped.")
ADDRESS_REQUIRED = _("Please give the address of the person to be helped.")
NOT_THE_TAKER = _("Only the grid member who took this help request can do this.")
NOT_THE_REQUESTER = _("Only the person who posted this help request, or a grid admin, can confirm it.")
ALREADY_TAKEN = _("Sorry, this help request was just taken by another grid member.")
REASON_REQUIRED = _("Please give the reason; the grid member will see it.")
SUMMARY_REQUIRED = _("Please write a short summary and choose the department.")
TOPIC_SUMMARY_REQUIRED = _("Please write a short summary; it becomes the title of the station's topic.")
TOPIC_SUMMARY_TOO_LONG = _(
    "The summary becomes the title of the station's topic: please keep it within %(max)s characters "
    "(it has %(length)s)."
)
STATION_REQUIRED = _("Please choose the station whose deliberation takes this opinion up as a topic.")
ONE_DESTINATION = _("Please pass it on either to a department or to a station's deliberation, not both.")
TOPIC_SOURCE = _("Passed on from 随口说 opinion #%(id)s of a grid member.")
# deliberation.Topic's title and description lengths (not ours to import).
TOPIC_TITLE_MAX = 80
TOPIC_DESCRIPTION_MAX = 1000
ANSWER_REQUIRED = _("Please write the answer; the grid member will see it.")
WRONG_STATUS = _("This is “%(status)s” now, so it cannot be %(action)s.")

CHANGE_DEED = "voice.change_helpdeed"
ADD_REQUEST = "voice.add_helprequest"
CHANGE_REQUEST = "voice.change_helprequest"
CHANGE_OPINION = "voice.change_opinion"


def _require_member(user: User) -> None:
    if not is_grid_member(user=user):
        raise PermissionDenied(str(NOT_A_GRID_MEMBER))


def _inbox(user: User, kind: str, params: dict, link: str) -> None:
    notify(user=user, kind=kind, params=params, link=link, channels=[Message.Channel.INBOX])


def _award(user: User, reason: str, source: models.Model, once_key: str, acting_user: User) -> int:
    """Points once; 0 when the rule is 0 (turned off) or the line was already written."""
    amount = points_for(reason)
    if amount <= 0:  # a rule of 0 turns the award off
        return 0
    entry = points_add(
        user=user, amount=amount, reason=reason, source=source, once_key=once_key, acting_user=acting_user
    )
    return entry.amount if entry is not None else 0


# --- filed once: a worker's upload retried after a network drop ----------------------------

Filed = TypeVar("Filed", HelpDeed, Opinion)


def _filed_before(model: type[Filed], worker: User, client_uuid: uuid.UUID | None) -> Filed | None:
    """The copy this phone already sent (the form's client_uuid), if any."""
    if client_uuid is None:
        return None
    return model._default_manager.filter(worker=worker, client_uuid=client_uuid).first()


def _file_once(row: Filed, upload: FieldFile) -> tuple[Filed, bool]:
    """Save a new upload, or, when the same phone sent it twice at once and the other copy won
    (the unique worker + client_uuid), that copy; the file this one stored is then let go."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        existing = _filed_before(type(row), row.worker, row.client_uuid)
        if existing is None:
            raise
        name = upload.name
        if name:
            transaction.on_commit(lambda: upload.storage.delete(name))
        return existing, False
    return row, True


# --- 随手帮: help given on the way --------------------------------------------------------


@transaction.atomic(durable=True)
def deed_record(
    *,
    worker: User,
    kind: str,
    note: str,
    photo: CleanFile | None = None,
    lat: Decimal | None = None,
    lng: Decimal | None = None,
    address: str = "",
    client_uuid: uuid.UUID | None = None,
) -> tuple[HelpDeed, bool]:
    """Record help a grid member gave. Returns (deed, created): a retried upload finds its first copy."""
    existing = _filed_before(HelpDeed, worker, client_uuid)
    if existing is not None:
        return existing, False
    _require_member(worker)
    note = note.strip()
    if not note:
        raise ApplicationError(str(NOTE_REQUIRED), extra={"field": "note"})
    if lat is None or lng is None:
        lat = lng = None
    deed = HelpDeed(
        worker=worker,
        client_uuid=client_uuid or uuid.uuid4(),
        kind=kind,
        note=note,
        lat=lat,
        lng=lng,
        address=address.strip(),
    )
    if photo is not None:
        deed.photo.save("photo.jpg", photo.content, save=False)
    deed, created = _file_once(deed, deed.photo)
    if created:
        audit.record(actor=worker, action="voice.deed.record", target=deed)
    return deed, created


DEED_TRANSITIONS = TransitionTable(
    model=HelpDeed,
    audit_prefix="voice.deed",
    history=status_change_record,
    wrong_status=WRONG_STATUS,
    reason_message=REASON_REQUIRED,
    select_related=("worker",),
    transitions=(
        transition(
            "verify",
            {HelpDeed.Status.SUBMITTED},
            HelpDeed.Status.VERIFIED,
            action=pgettext_lazy("voice", "verified"),
            label=_("Verify (points follow)"),
            permission=(CHANGE_DEED,),
        ),
        transition(
            "reject",
            {HelpDeed.Status.SUBMITTED},
            HelpDeed.Status.REJECTED,
            action=pgettext_lazy("voice", "rejected"),
            label=_("Not verified"),
            permission=(CHANGE_DEED,),
            reason_required=True,
        ),
    ),
)


@transaction.atomic(durable=True)
def deed_verify(*, deed_id: int, acting_user: User, note: str = "") -> HelpDeed:
    deed = DEED_TRANSITIONS.apply(
        deed_id,
        HelpDeed.Status.VERIFIED,
        acting_user=acting_user,
        reason=note,
        fields={"decided_at": timezone.now(), "decided_by": acting_user},
    )
    points = _award(deed.worker, HELP_VERIFIED, deed, f"help_verified:{deed.pk}", acting_user)
    _inbox(
        deed.worker,
        "help_deed_verified",
        {"id": deed.pk, "kind": deed.get_kind_display(), "points": points},
        reverse("voice:deed_detail", args=[deed.pk]),
    )
    return deed


@transaction.atomic(durable=True)
def deed_reject(*, deed_id: int, acting_user: User, reason: str) -> HelpDeed:
    deed = DEED_TRANSITIONS.apply(
        deed_id,
        HelpDeed.Status.REJECTED,
        acting_user=acting_user,
        reason=reason,
        fields={"decided_at": timezone.now(), "decided_by": acting_user, "reject_reason": reason.strip()},
    )
    _inbox(
        deed.worker,
        "help_deed_rejected",
        {"id": deed.pk, "reason": reason.strip()},
        reverse("voice:deed_detail", args=[deed.pk]),
    )
    return deed


# --- 随手帮: help requests of community staff ----------------------------------------------


@dataclass(frozen=True)
class RecipientDetails:
    name: str
    address: str
    phone: str = ""
    notes: str = ""


def _when(request: HelpRequest) -> str:
    return time_span(request.starts_at, request.ends_at)


@transaction.atomic(durable=True)
def request_post(
    *,
    acting_user: User,
    grid: Grid,
    what: str,
    starts_at: datetime,
    ends_at: datetime,
    recipient: RecipientDetails,
) -> HelpRequest:
    require_permission(acting_user, ADD_REQUEST)
    what = what.strip()
    if not what:
        raise ApplicationError(str(WHAT_REQUIRED), extra={"field": "what"})
    if ends_at <= starts_at:
        raise ApplicationError(str(WINDOW_BACKWARDS), extra={"field": "ends_at"})
    if ends_at <= timezone.now():
        raise ApplicationError(str(WINDOW_OVER), extra={"field": "ends_at"})
    if not recipient.name.strip():
        raise ApplicationError(str(NAME_REQUIRED), extra={"field": "recipient_name"})
    if not recipient.address.strip():
        raise ApplicationError(str(ADDRESS_REQUIRED), extra={"field": "recipient_address"})
    request = HelpRequest.objects.create(
        grid=grid, what=what, starts_at=starts_at, ends_at=ends_at, posted_by=acting_user
    )
    HelpRecipient.objects.create(
        request=request,
        name_encrypted=HelpRecipient.seal(recipient.name.strip()),
        address_encrypted=HelpRecipient.seal(recipient.address.strip()),
        phone_encrypted=HelpRecipient.seal(recipient.phone.strip()),
        notes_encrypted=HelpRecipient.seal(recipient.notes.strip()),
    )
    # Never the person's details in the audit log: it outlives the request.
    audit.record(actor=acting_user, action="voice.request.post", target=request, data={"grid": grid.pk})
    members = User.objects.filter(grid_memberships__in=_live_members_of(grid)).distinct().order_by("pk")
    for member in members:
        _inbox(
            member,
            "help_request_posted",
            {"grid": grid.name, "what": what, "when": _when(request)},
            reverse("voice:request_detail", args=[request.pk]),
        )
    return request


def _live_members_of(grid: Grid) -> QuerySet[GridMember]:
    day = timezone.localdate()
    return GridMember.objects.filter(grid=grid, starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=day)
    )


def _member_of_its_grid(request: HelpRequest, user: User) -> None:
    if not is_grid_member(user=user):
        raise PermissionDenied(str(NOT_A_GRID_MEMBER))
    if not live_memberships(user=user).filter(grid_id=request.grid_id).exists():
        raise PermissionDenied(str(NOT_IN_THIS_GRID))


def _window_not_over(request: HelpRequest, user: User, reason: str) -> None:
    if request.ends_at <= timezone.now():
        raise TransitionNotAllowed(str(WINDOW_OVER))


def _the_taker(request: HelpRequest, user: User) -> None:
    if request.taken_by_id != getattr(user, "pk", None):
        raise PermissionDenied(str(NOT_THE_TAKER))


def _the_requester_or_admin(request: HelpRequest, user: User) -> None:
    if request.posted_by_id != getattr(user, "pk", None) and not user.has_perm(CHANGE_REQUEST):
        raise PermissionDenied(str(NOT_THE_REQUESTER))


def _request_wrong_status(request: HelpRequest) -> str:
    if request.status in (HelpRequest.Status.TAKEN, HelpRequest.Status.DONE, HelpRequest.Status.CONFIRMED):
        return str(ALREADY_TAKEN)
    return str(WRONG_STATUS) % {"status": request.get_status_display(), "action": _("taken")}


REQUEST_TRANSITIONS = TransitionTable(
    model=HelpRequest,
    audit_prefix="voice.request",
    history=status_change_record,
    wrong_status=WRONG_STATUS,
    reason_message=REASON_REQUIRED,
    select_related=("grid", "posted_by", "taken_by"),
    transitions=(
        transition(
            "take",
            {HelpRequest.Status.OPEN},
            HelpRequest.Status.TAKEN,
            action=_("taken"),
            allows=_member_of_its_grid,
            rule=_window_not_over,
            wrong_status=_request_wrong_status,
        ),
        transition(
            "done",
            {HelpRequest.Status.TAKEN},
            HelpRequest.Status.DONE,
            action=_("marked as done"),
            allows=_the_taker,
        ),
        transition(
            "confirm",
            {HelpRequest.Status.DONE},
            HelpRequest.Status.CONFIRMED,
            action=pgettext_lazy("voice", "confirmed"),
            label=_("Confirm (the grid member gets the points)"),
            allows=_the_requester_or_admin,
        ),
        transition(
            "cancel",
            {HelpRequest.Status.OPEN, HelpRequest.Status.TAKEN},
            HelpRequest.Status.CANCELLED,
            action=_("cancelled"),
            label=_("Cancel"),
            permission=(CHANGE_REQUEST,),
            reason_required=True,
        ),
        transition(
            "expire",
            {HelpRequest.Status.OPEN},
            HelpRequest.Status.CANCELLED,
            action=_("cancelled"),
            audit="voice.request.expire",
        ),
    ),
)


def _erase_recipient(request: HelpRequest) -> None:
    HelpRecipient.objects.filter(request=request).delete()


@transaction.atomic(durable=True)
def request_take(*, request_id: int, user: User) -> HelpRequest:
    request = REQUEST_TRANSITIONS.apply(
        request_id,
        HelpRequest.Status.TAKEN,
        acting_user=user,
        fields={"taken_by": user, "taken_at": timezone.now()},
    )
    _inbox(
        request.posted_by,
        "help_request_taken",
        {"worker": user.real_name or user.phone_display, "id": request.pk, "what": request.what},
        reverse("admin:voice_helprequest_change", args=[request.pk]),
    )
    return request


@transaction.atomic(durable=True)
def request_done(*, request_id: int, user: User, note: str) -> HelpRequest:
    note = note.strip()
    if not note:
        raise ApplicationError(str(NOTE_REQUIRED), extra={"field": "note"})
    request = REQUEST_TRANSITIONS.apply(
        request_id,
        HelpRequest.Status.DONE,
        acting_user=user,
        reason=note,
        fields={"done_at": timezone.now(), "done_note": note},
    )
    # The help is given: the person's details are no longer anybody's to read.
    _erase_recipient(request)
    _inbox(
        request.posted_by,
        "help_request_done",
        {
            "worker": user.real_name or user.phone_display,
            "id": request.pk,
            "what": request.what,
            "note": note,
        },
        reverse("admin:voice_helprequest_change", args=[request.pk]),
    )
    return request


@transaction.atomic(durable=True)
def request_confirm(*, request_id: int, acting_user: User, note: str = "") -> HelpRequest:
    request = REQUEST_TRANSITIONS.apply(
        request_id,
        HelpRequest.Status.CONFIRMED,
        acting_user=acting_user,
        reason=note,
        fields={"confirmed_at": timezone.now()},
    )
    assert request.taken_by is not None  # a done request has a taker (helprequest_taken_has_taker)
    points = _award(
        request.taken_by, HELP_REQUEST_CONFIRMED, request, f"help_request_confirmed:{request.pk}", acting_user
    )
    _inbox(
        request.taken_by,
        "help_request_confirmed",
        {"id": request.pk, "what": request.what, "points": points},
        reverse("voice:request_detail", args=[request.pk]),
    )
    return request


@transaction.atomic(durable=True)
def request_cancel(*, request_id: int, acting_user: User, reason: str) -> HelpRequest:
    request = REQUEST_TRANSITIONS.apply(
        request_id,
        HelpRequest.Status.CANCELLED,
        via="cancel",
        acting_user=acting_user,
        reason=reason,
        fields={"cancel_reason": reason.strip()},
    )
    _erase_recipient(request)
    if request.taken_by is not None:
        _inbox(
            request.taken_by,
            "help_request_cancelled",
            {"id": request.pk, "what": request.what, "reason": reason.strip()},
            reverse("voice:request_detail", args=[request.pk]),
        )
    return request


EXPIRED_REASON = _("Nobody took this help request within its time window.")


@transaction.atomic(durable=True)
def request_expire(*, request_id: int) -> HelpRequest | None:
    """Close an open request whose window is over: the person's details must not linger."""
    request = HelpRequest.objects.select_for_update().get(pk=request_id)
    if request.status != HelpRequest.Status.OPEN or request.ends_at > timezone.now():
        return None
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(EXPIRED_REASON)
    request = REQUEST_TRANSITIONS.apply(
        request_id,
        HelpRequest.Status.CANCELLED,
        via="expire",
        acting_user=None,
        reason=reason,
        fields={"cancel_reason": reason},
    )
    _erase_recipient(request)
    return request


def requests_expire() -> int:
    """Hourly (voice.tasks.expire_help_requests): one transaction per request."""
    ids = list(
        HelpRequest.objects.filter(status=HelpRequest.Status.OPEN, ends_at__lte=timezone.now()).values_list(
            "pk", flat=True
        )
    )
    return sum(1 for request_id in ids if request_expire(request_id=request_id) is not None)


# --- 随口说: opinions ----------------------------------------------------------------------


@transaction.atomic(durable=True)
def opinion_submit(
    *,
    worker: User,
    text: str,
    audio: CleanAudio | None = None,
    topic: str = "",
    lat: Decimal | None = None,
    lng: Decimal | None = None,
    address: str = "",
    client_uuid: uuid.UUID | None = None,
) -> tuple[Opinion, bool]:
    """Pass on what people say. Returns (opinion, created): a retried upload finds its first copy."""
    existing = _filed_before(Opinion, worker, client_uuid)
    if existing is not None:
        return existing, False
    _require_member(worker)
    text = text.strip()
    if not text and audio is None:
        raise ApplicationError(str(TEXT_REQUIRED), extra={"field": "text"})
    if lat is None or lng is None:
        lat = lng = None
    client_uuid = client_uuid or uuid.uuid4()
    opinion = Opinion(
        worker=worker,
        client_uuid=client_uuid,
        text=text,
        topic=topic,
        lat=lat,
        lng=lng,
        address=address.strip(),
        audio_seconds=audio.seconds if audio else None,
    )
    if audio is not None:
        opinion.audio.save(f"recording.{audio.extension}", audio.content, save=False)
    opinion, created = _file_once(opinion, opinion.audio)
    if created:
        audit.record(actor=worker, action="voice.opinion.submit", target=opinion)
    return opinion, created


OPINION_TRANSITIONS = TransitionTable(
    model=Opinion,
    audit_prefix="voice.opinion",
    history=status_change_record,
    wrong_status=WRONG_STATUS,
    reason_message=ANSWER_REQUIRED,
    select_related=("worker",),
    transitions=(
        transition(
            "route",
            {Opinion.Status.SUBMITTED},
            Opinion.Status.ROUTED,
            action=_("passed on"),
            label=_("Summarise and pass on to a department"),
            permission=(CHANGE_OPINION,),
        ),
        transition(
            "answer",
            {Opinion.Status.ROUTED},
            Opinion.Status.ANSWERED,
            action=_("answered"),
            label=_("Answer"),
            permission=(CHANGE_OPINION,),
            reason_required=True,
        ),
        transition(
            "adopt",
            {Opinion.Status.ROUTED},
            Opinion.Status.ADOPTED,
            action=_("adopted"),
            label=_("Adopt and answer (points follow)"),
            permission=(CHANGE_OPINION,),
            reason_required=True,
        ),
        transition(
            "close",
            {Opinion.Status.SUBMITTED},
            Opinion.Status.CLOSED,
            action=_("closed"),
            label=_("Close (nothing to pass on)"),
            permission=(CHANGE_OPINION,),
            reason_required=True,
            reason_message=REASON_REQUIRED,
        ),
    ),
)


@transaction.atomic(durable=True)
def opinion_route(
    *,
    opinion_id: int,
    acting_user: User,
    summary: str,
    department: str = "",
    tags: str = "",
    station_id: int | None = None,
) -> Opinion:
    """Summarise and pass on: to a department (a name), or to a station's deliberation, where the
    opinion becomes a topic raised for its grid member (core.topic_routes; deliberation is not ours
    to import). Either refusal, ours or the topic's, changes nothing: one transaction."""
    require_permission(acting_user, CHANGE_OPINION)
    summary, department, tags = summary.strip(), department.strip(), tags.strip()
    if station_id is None:
        if not summary or not department:
            raise ApplicationError(str(SUMMARY_REQUIRED), extra={"field": "summary"})
        return _routed(
            opinion_id,
            acting_user,
            summary,
            tags,
            fields={"department": department},
            audit={"department": department},
        )
    if department:
        raise ApplicationError(str(ONE_DESTINATION), extra={"field": "department"})
    if not summary:
        raise ApplicationError(str(TOPIC_SUMMARY_REQUIRED), extra={"field": "summary"})
    if len(summary) > TOPIC_TITLE_MAX:
        raise ApplicationError(
            str(TOPIC_SUMMARY_TOO_LONG) % {"max": TOPIC_TITLE_MAX, "length": len(summary)},
            extra={"field": "summary"},
        )
    station = Station.objects.filter(pk=station_id).first()
    if station is None:
        raise ApplicationError(str(STATION_REQUIRED), extra={"field": "station"})

    def raise_topic(change: Change) -> None:
        # Under the opinion's lock, once its status is checked: a second routing never gets here.
        opinion = change.obj
        topic = topic_routes.raise_topic(
            station_id=station.pk,
            raised_by=opinion.worker,
            acting_user=acting_user,
            title=summary,
            description=_topic_description(opinion, summary),
        )
        change.fields["station_topic_id"] = topic.pk
        change.audit_data["topic"] = topic.pk

    return _routed(
        opinion_id,
        acting_user,
        summary,
        tags,
        fields={"station": station},
        audit={"station": station.pk},
        prepare=raise_topic,
        station=station,
    )


def _topic_description(opinion: Opinion, summary: str) -> str:
    """What the topic says: what people said (or the summary of a recording, which stays private)."""
    with translation.override(settings.LANGUAGE_CODE):
        source = str(TOPIC_SOURCE) % {"id": opinion.pk}
    said = opinion.text or summary
    room = TOPIC_DESCRIPTION_MAX - len(source) - 2
    if len(said) > room:
        said = said[: room - 1] + "…"
    return f"{said}\n\n{source}"


def _routed(
    opinion_id: int,
    acting_user: User,
    summary: str,
    tags: str,
    *,
    fields: dict,
    audit: dict,
    prepare: Callable[[Change], None] | None = None,
    station: Station | None = None,
) -> Opinion:
    opinion = OPINION_TRANSITIONS.apply(
        opinion_id,
        Opinion.Status.ROUTED,
        acting_user=acting_user,
        note=summary,
        fields={"summary": summary, "tags": tags, **fields},
        audit_data=audit,
        prepare=prepare,
    )
    link = reverse("voice:opinion_detail", args=[opinion.pk])
    if station is None:
        params = {"id": opinion.pk, "summary": summary, "department": opinion.department}
        _inbox(opinion.worker, "opinion_routed", params, link)
    else:
        params = {"id": opinion.pk, "summary": summary, "station": station.name}
        _inbox(opinion.worker, "opinion_routed_topic", params, link)
    return opinion


@transaction.atomic(durable=True)
def opinion_answer(*, opinion_id: int, acting_user: User, answer: str, adopted: bool = False) -> Opinion:
    target = Opinion.Status.ADOPTED if adopted else Opinion.Status.ANSWERED
    opinion = OPINION_TRANSITIONS.apply(
        opinion_id,
        target,
        acting_user=acting_user,
        reason=answer,
        fields={"answer": answer.strip(), "answered_at": timezone.now()},
    )
    link = reverse("voice:opinion_detail", args=[opinion.pk])
    if adopted:
        points = _award(
            opinion.worker, OPINION_ADOPTED, opinion, f"opinion_adopted:{opinion.pk}", acting_user
        )
        _inbox(
            opinion.worker,
            "opinion_adopted",
            {"id": opinion.pk, "points": points, "answer": answer.strip()},
            link,
        )
    else:
        _inbox(opinion.worker, "opinion_answered", {"id": opinion.pk, "answer": answer.strip()}, link)
    return opinion


@transaction.atomic(durable=True)
def opinion_close(*, opinion_id: int, acting_user: User, reason: str) -> Opinion:
    opinion = OPINION_TRANSITIONS.apply(
        opinion_id,
        Opinion.Status.CLOSED,
        acting_user=acting_user,
        reason=reason,
        fields={"answer": reason.strip(), "answered_at": timezone.now()},
    )
    _inbox(
        opinion.worker,
        "opinion_answered",
        {"id": opinion.pk, "answer": reason.strip()},
        reverse("voice:opinion_detail", args=[opinion.pk]),
    )
    return opinion


def opinions_delete_old_audio() -> int:
    """Daily (voice.tasks.delete_old_audio): recordings older than the retention period are deleted;
    the text, the summary and the answer stay. One short transaction per opinion."""
    cutoff = timezone.now() - timedelta(days=settings.VOICE_AUDIO_RETENTION_DAYS)
    ids = list(Opinion.objects.filter(created_at__lt=cutoff).exclude(audio="").values_list("pk", flat=True))
    return sum(1 for opinion_id in ids if opinion_delete_audio(opinion_id=opinion_id))


def opinion_delete_audio(*, opinion_id: int) -> bool:
    with transaction.atomic(durable=True):
        opinion = Opinion.objects.select_for_update().get(pk=opinion_id)
        if not opinion.audio:
            return False
        name = opinion.audio.name
        Opinion.objects.filter(pk=opinion.pk).update(audio="", audio_deleted_at=timezone.now())
        audit.record(actor=None, action="voice.opinion.audio_delete", target=opinion)
        # The file goes only once the row no longer names it.
        transaction.on_commit(lambda: opinion.audio.storage.delete(name))
    return True
