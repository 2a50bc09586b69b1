"""Writes of the services app: the life of a service request.

new -> assigned -> in progress -> resolved -> closed, each step checked here,
audited, and told to the worker through the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import User
from core import audit
from core.exceptions import PermissionDenied, TransitionNotAllowed
from core.permissions import require_permission
from core.transitions import Change, TransitionTable, transition
from core.uploads import CleanFile
from notifications.actions import notify
from notifications.models import Message
from services.messages import CLOSED_THANKS
from services.models import (
    Service,
    ServiceRequest,
    ServiceRequestEvent,
    ServiceRequestNote,
    ServiceRequestPhoto,
)

Status = ServiceRequest.Status

MAX_PHOTOS = 3
WRONG_STATUS = gettext_lazy("This request is “%(status)s” now: this step is not possible.")
NOT_THE_WORKER = gettext_lazy("Only the worker who asked for help can do this.")
NOT_THE_ASSIGNEE = gettext_lazy("Take the request on yourself first.")
NOT_SERVICE_STAFF = gettext_lazy("Only service staff can handle service requests.")
REPLY_REQUIRED = gettext_lazy("Write a reply the worker will read.")
ALREADY_RATED = gettext_lazy("You have already rated this help.")
NOT_YET_RESOLVED = gettext_lazy("You can rate the help once your request is resolved.")
RATING_RANGE = gettext_lazy("Choose from 1 to 5 stars.")
TOO_MANY_PHOTOS = gettext_lazy("You can attach at most 3 photos.")
NOTE_REQUIRED = gettext_lazy("The note is empty.")


def _refuse(request: ServiceRequest) -> TransitionNotAllowed:
    return TransitionNotAllowed(str(WRONG_STATUS) % {"status": request.get_status_display()})


HANDLE = "services.change_servicerequest"
# A request someone handles can be taken over by a colleague (no status change).
TAKE_OVER_FROM = (Status.ASSIGNED, Status.IN_PROGRESS)


def _record(change: Change) -> ServiceRequestEvent:
    return ServiceRequestEvent.objects.create(
        request=change.obj,
        from_status=change.from_status,
        to_status=change.to_status,
        actor=change.actor_or_none,
        note=change.note,
    )


def _the_assignee(request: ServiceRequest, acting_user: User, reply: str) -> None:
    if request.assignee_id != acting_user.pk:
        raise PermissionDenied(str(NOT_THE_ASSIGNEE))


def _the_assignee_or_nobody_yet(request: ServiceRequest, acting_user: User, reply: str) -> None:
    # A new request is resolved in one save by whoever answers it: they take it on at the same time.
    if request.status != Status.NEW:
        _the_assignee(request, acting_user, reply)


def _reply_unless_resolved(request: ServiceRequest, acting_user: User, reply: str) -> None:
    # Ending a request that was never resolved (a duplicate, out of scope) needs a reply saying why.
    if request.status != Status.RESOLVED and not reply:
        raise TransitionNotAllowed(str(REPLY_REQUIRED), extra={"field": "reply"})


_STAFF = {"permission": (HANDLE,), "permission_message": NOT_SERVICE_STAFF}
TRANSITIONS = TransitionTable(
    model=ServiceRequest,
    audit_prefix="service_request",
    history=_record,
    wrong_status=WRONG_STATUS,
    reason_message=REPLY_REQUIRED,
    reason_error=TransitionNotAllowed,
    reason_field="reply",
    select_related=("worker",),
    lock_of=None,
    transitions=(
        transition(
            "assign", {Status.NEW}, Status.ASSIGNED, label=gettext_lazy("Take it on myself"), **_STAFF
        ),
        transition(
            "start",
            {Status.ASSIGNED},
            Status.IN_PROGRESS,
            label=gettext_lazy("Start working on it"),
            rule=_the_assignee,
            **_STAFF,
        ),
        transition(
            "resolve",
            {Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS},
            Status.RESOLVED,
            label=gettext_lazy("Resolve, with a reply"),
            reason_required=True,
            rule=_the_assignee_or_nobody_yet,
            **_STAFF,
        ),
        transition(
            "close",
            {Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED},
            Status.CLOSED,
            label=gettext_lazy("Close, with a reply"),
            rule=_reply_unless_resolved,
            **_STAFF,
        ),
    ),
)


def _locked(request_id: int) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().select_related("worker").get(pk=request_id)


def _tell_worker(
    request: ServiceRequest, *, kind: str, params: dict | None = None, sms: bool = False
) -> None:
    channels = [Message.Channel.INBOX, Message.Channel.SMS] if sms else [Message.Channel.INBOX]
    notify(
        user=request.worker,
        kind=kind,
        params={"ref": request.reference, **(params or {})},
        link=reverse("services:request_detail", args=[request.pk]),
        channels=channels,
    )


@transaction.atomic(durable=True)
def service_request_create(
    *,
    worker: User,
    kind: str,
    description: str,
    contact_time: str = ServiceRequest.ContactTime.ANY,
    service: Service | None = None,
    photos: Sequence[CleanFile] = (),
) -> ServiceRequest:
    """A worker asks for help. Photos arrive cleaned by core.uploads.clean_image (re-encoded, EXIF dropped)."""
    if len(photos) > MAX_PHOTOS:
        raise TransitionNotAllowed(str(TOO_MANY_PHOTOS))
    request = ServiceRequest.objects.create(
        worker=worker, kind=kind, description=description.strip(), contact_time=contact_time, service=service
    )
    for photo in photos:
        ServiceRequestPhoto.objects.create(request=request, image=photo.content)
    audit.record(actor=worker, action="service_request.create", target=request, data={"photos": len(photos)})
    _tell_worker(request, kind="service_request_received")
    return request


@transaction.atomic(durable=True)
def service_request_assign(*, request_id: int, acting_user: User) -> ServiceRequest:
    """Staff take a request on themselves (also taking it over from a colleague)."""
    require_permission(acting_user, HANDLE, message=NOT_SERVICE_STAFF)
    request = _locked(request_id)
    if request.status not in (Status.NEW, *TAKE_OVER_FROM):
        raise _refuse(request)
    if request.assignee_id == acting_user.pk:
        return request
    if request.status == Status.NEW:
        request = TRANSITIONS.apply(
            request,
            Status.ASSIGNED,
            acting_user=acting_user,
            fields={"assignee": acting_user, "assigned_at": timezone.now()},
        )
        _tell_worker(request, kind="service_request_assigned")
        return request
    # Taken over from a colleague: the status stays, so this is no transition (no history row).
    request.assignee = acting_user
    request.save(update_fields=["assignee", "updated_at"])
    audit.record(actor=acting_user, action="service_request.assign", target=request)
    return request


@transaction.atomic(durable=True)
def service_request_start(*, request_id: int, acting_user: User) -> ServiceRequest:
    request = TRANSITIONS.apply(
        request_id,
        Status.IN_PROGRESS,
        acting_user=acting_user,
        fields={"started_at": timezone.now()},
    )
    _tell_worker(request, kind="service_request_in_progress")
    return request


@transaction.atomic(durable=True)
def service_request_resolve(*, request_id: int, acting_user: User, reply: str) -> ServiceRequest:
    def resolved(change: Change) -> None:
        now = timezone.now()
        change.fields.update(resolved_at=now, reply=change.reason, started_at=change.obj.started_at or now)
        if change.obj.assignee_id is None:
            # Resolved straight from new: the one who answered took it on.
            change.fields.update(assignee=acting_user, assigned_at=now)

    request = TRANSITIONS.apply(
        request_id, Status.RESOLVED, acting_user=acting_user, reason=reply, prepare=resolved
    )
    _tell_worker(request, kind="service_request_resolved", sms=True)
    return request


@transaction.atomic(durable=True)
def service_request_close(*, request_id: int, acting_user: User, reply: str = "") -> ServiceRequest:
    """Close a resolved request, or end an open one (a duplicate, out of scope) with a reply saying why."""
    reply = reply.strip()
    request = TRANSITIONS.apply(
        request_id,
        Status.CLOSED,
        acting_user=acting_user,
        reason=reply,
        fields={"closed_at": timezone.now(), **({"reply": reply} if reply else {})},
    )
    _tell_worker(
        request,
        kind="service_request_closed",
        params={"reply": reply or CLOSED_THANKS},
        sms=request.resolved_at is None,
    )
    return request


@transaction.atomic(durable=True)
def service_request_rate(*, request_id: int, worker: User, rating: int, comment: str = "") -> ServiceRequest:
    request = _locked(request_id)
    if request.worker_id != worker.pk:
        raise PermissionDenied(str(NOT_THE_WORKER))
    if request.resolved_at is None:
        raise TransitionNotAllowed(str(NOT_YET_RESOLVED))
    if request.rating is not None:
        raise TransitionNotAllowed(str(ALREADY_RATED))
    if not 1 <= int(rating) <= 5:
        raise TransitionNotAllowed(str(RATING_RANGE))
    request.rating, request.rating_comment, request.rated_at = int(rating), comment.strip(), timezone.now()
    request.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    audit.record(actor=worker, action="service_request.rate", target=request, data={"rating": request.rating})
    return request


@transaction.atomic(durable=True)
def service_request_add_note(*, request_id: int, acting_user: User, text: str) -> ServiceRequestNote:
    require_permission(acting_user, HANDLE, message=NOT_SERVICE_STAFF)
    text = text.strip()
    if not text:
        raise TransitionNotAllowed(str(NOTE_REQUIRED))
    request = _locked(request_id)
    note = ServiceRequestNote.objects.create(request=request, author=acting_user, text=text)
    audit.record(actor=acting_user, action="service_request.note", target=request)
    return note
