"""Writes of the governance app: every status of grids and reports changes here.

Each action is its own, durable transaction (no request transaction is around
it, so its row locks end with it), locks the report row first, checks the
transition, writes an update the reporter sees, an audit entry and the
reporter's inbox message. An accepted report earns points through the ledger's
`points_add` (points/actions.py), a step inside the accept.
"""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import audit
from core.configuration import config_save
from core.exceptions import ApplicationError, PermissionDenied, TransitionNotAllowed
from core.permissions import require_permission
from core.transitions import Change, TransitionTable, transition
from core.uploads import CleanFile
from governance.models import (
    ApiKey,
    Category,
    Grid,
    GridMember,
    Report,
    ReportFollow,
    ReportPhoto,
    ReportUpdate,
)
from governance.points_kinds import REPORT_ACCEPTED
from governance.selectors import grid_for_point, is_grid_member, place_for_address_id
from notifications.actions import notify
from notifications.models import Message
from points.actions import points_add
from points.selectors import points_for

Status = Report.Status
Role = ReportUpdate.Role

NOT_A_GRID_MEMBER = _(
    "Only appointed grid members can file street reports. Ask the grid admin of your community to appoint you."
)
TOO_MANY_PHOTOS = _("Please add at most three photos.")
NO_PHOTO = _("Please take or choose at least one photo of the problem.")
NO_LOCATION = _("Please tell us where the problem is: use your location or choose the street.")
WRONG_STATUS = _("This report is “%(status)s” now, so it cannot be %(verb)s.")
REASON_REQUIRED = _("Please give the reason; the reporter will see it.")
NOTE_REQUIRED = _("Please write what was done; the reporter will see it.")
NO_SUCH_REPORT = _("There is no report with this number.")
DUPLICATE_OF_ITSELF = _("A report cannot be a duplicate of itself.")
REOPEN_WINDOW_OVER = _("A report can be reopened only within 14 days after it was resolved.")
NOT_YOUR_REPORT = _("Only the person who filed the report can reopen it.")
ALREADY_A_MEMBER = _("This worker is already a member of this grid.")
MEMBERSHIP_ALREADY_ENDED = _("This appointment has already ended.")
END_BEFORE_START = _("An appointment cannot end before it starts.")

ONE_PHOTO_AT_LEAST, MAX_PHOTOS = 1, 3


CHANGE_REPORT = "governance.change_report"


class NotAGridMember(PermissionDenied):
    pass


# --- Grid members -------------------------------------------------------------------


@transaction.atomic(durable=True)
def gridmember_appoint(
    *, grid: Grid, user: User, acting_user: User, starts_on: date | None = None
) -> GridMember:
    require_permission(acting_user, "governance.add_gridmember")
    starts_on = starts_on or timezone.localdate()
    if GridMember.objects.filter(grid=grid, user=user, ends_on__isnull=True).exists():
        raise ApplicationError(str(ALREADY_A_MEMBER))
    try:
        with transaction.atomic():
            member = GridMember.objects.create(
                grid=grid, user=user, starts_on=starts_on, appointed_by=acting_user
            )
    except IntegrityError as error:  # a second admin appointed the same worker at the same moment
        raise ApplicationError(str(ALREADY_A_MEMBER)) from error
    audit.record(actor=acting_user, action="grid.member.appoint", target=member, data={"grid": grid.pk})
    notify(
        user=user,
        kind="grid_member_appointed",
        params={"grid": grid.name},
        link=reverse("governance:index"),
        channels=[Message.Channel.INBOX],
    )
    return member


@transaction.atomic(durable=True)
def gridmember_end(*, member_id: int, acting_user: User, ends_on: date | None = None) -> GridMember:
    require_permission(acting_user, "governance.change_gridmember")
    member = GridMember.objects.select_for_update().get(pk=member_id)
    if member.ends_on is not None:
        raise ApplicationError(str(MEMBERSHIP_ALREADY_ENDED))
    ends_on = ends_on or timezone.localdate()
    if ends_on < member.starts_on:
        raise ApplicationError(str(END_BEFORE_START))
    member.ends_on, member.ended_by = ends_on, acting_user
    member.save(update_fields=["ends_on", "ended_by"])
    audit.record(actor=acting_user, action="grid.member.end", target=member)
    return member


# --- Reports ---------------------------------------------------------------------------


def _add_photo(report: Report, clean: CleanFile, kind: str) -> ReportPhoto:
    photo = ReportPhoto(report=report, kind=kind)
    photo.image.save("photo.jpg", clean.content, save=False)
    photo.thumbnail.save("thumbnail.jpg", clean.thumbnail or clean.content, save=False)
    photo.save()
    return photo


def _record_update(
    report: Report, *, status: str, note: str, actor: User | None, role: str, photo: ReportPhoto | None = None
) -> ReportUpdate:
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(updated_at=now)
    report.updated_at = now
    return ReportUpdate.objects.create(
        report=report, status=status, note=note, actor=actor, actor_role=role, photo=photo, created_at=now
    )


def _tell_reporter(report: Report, params: dict, kind: str = "") -> None:
    if report.reporter is None:
        return
    notify(
        user=report.reporter,
        kind=kind or f"grid_report_{report.status}",
        params=params,
        link=reverse("governance:report_detail", args=[report.pk]),
        channels=[Message.Channel.INBOX],
    )


@transaction.atomic(durable=True)
def report_submit(
    *,
    reporter: User,
    category: Category,
    photos: list[CleanFile],
    lat: Decimal | None = None,
    lng: Decimal | None = None,
    street: str = "",
    address: str = "",
    description: str = "",
    client_uuid: uuid.UUID | None = None,
    answers: dict | None = None,
) -> tuple[Report, bool]:
    """File a grid member's report. Returns (report, created): a retried upload finds its first copy."""
    if client_uuid is not None:
        existing = Report.objects.filter(reporter=reporter, client_uuid=client_uuid).first()
        if existing is not None:
            return existing, False
    if not is_grid_member(user=reporter):
        raise NotAGridMember(str(NOT_A_GRID_MEMBER))
    if not ONE_PHOTO_AT_LEAST <= len(photos) <= MAX_PHOTOS:
        raise ApplicationError(str(NO_PHOTO if not photos else TOO_MANY_PHOTOS))
    if (lat is None or lng is None) and not street:
        raise ApplicationError(str(NO_LOCATION))
    try:
        report = _create_report(
            category=category,
            reporter=reporter,
            lat=lat,
            lng=lng,
            street=street,
            address=address,
            description=description,
            client_uuid=client_uuid or uuid.uuid4(),
            attributes=answers or {},
        )
    except DuplicateSubmission as duplicate:
        return duplicate.report, False
    for clean in photos:
        _add_photo(report, clean, ReportPhoto.Kind.PROBLEM)
    _record_update(report, status=Status.SUBMITTED, note="", actor=reporter, role=Role.REPORTER)
    audit.record(actor=reporter, action="grid.report.submit", target=report)
    return report, True


def _create_report(
    *,
    category: Category,
    lat: Decimal | None,
    lng: Decimal | None,
    street: str,
    grid: Grid | None = None,
    **fields: Any,
) -> Report:
    # `fields`: the other Report columns of the caller (a reporter or an API key, text, a UUID), each its own type.
    if lat is not None and lng is not None:
        grid = grid_for_point(lat=lat, lng=lng)
    now = timezone.now()
    try:
        with transaction.atomic():
            return Report.objects.create(
                category=category,
                lat=lat,
                lng=lng,
                street=street or (grid.street if grid else ""),
                grid=grid,
                # Routing: the report goes to the department responsible for its category.
                department=category.department,
                created_at=now,
                updated_at=now,
                due_at=now + timedelta(hours=category.response_hours),
                **fields,
            )
    except IntegrityError:
        # The same phone sent the same report twice at once: the first one won.
        reporter, client_uuid = fields.get("reporter"), fields.get("client_uuid")
        if reporter is not None and client_uuid is not None:
            existing = Report.objects.filter(reporter=reporter, client_uuid=client_uuid)
            if existing.exists():
                raise DuplicateSubmission(existing.get()) from None
        raise


class DuplicateSubmission(Exception):
    def __init__(self, report: Report) -> None:
        super().__init__(report.pk)
        self.report = report


@transaction.atomic(durable=True)
def report_submit_partner(
    *,
    api_key: ApiKey,
    category: Category,
    description: str,
    lat: Decimal | None = None,
    lng: Decimal | None = None,
    address: str = "",
    address_id: str = "",
    media_url: str = "",
    answers: dict | None = None,
) -> Report:
    """An Open311 POST: the partner system is the source; there is no worker reporter and no points.

    An `address_id` naming one of our grids or streets places the report there; any other is kept
    as text for the grid admin to place."""
    if lat is None and not address and not address_id:
        raise ApplicationError(str(NO_LOCATION))
    place = place_for_address_id(address_id) if address_id and lat is None else None
    report = _create_report(
        category=category,
        api_key=api_key,
        lat=lat,
        lng=lng,
        street=place.street if place else "",
        grid=place.grid if place else None,
        address=address,
        address_id=address_id,
        description=description,
        media_url=media_url,
        attributes=answers or {},
    )
    _record_update(report, status=Status.SUBMITTED, note="", actor=None, role=Role.PARTNER)
    audit.record(actor=None, action="grid.report.submit_partner", target=report, data={"api_key": api_key.pk})
    return report


def _record_change(change: Change) -> ReportUpdate:
    return _record_update(
        change.obj,
        status=change.to_status,
        note=change.note,
        actor=change.actor,
        role=change.transition.role,
        photo=change.history.get("photo"),
    )


def _the_reporter(report: Report, user: User) -> None:
    if report.reporter_id != user.pk:
        raise PermissionDenied(str(NOT_YOUR_REPORT))


def _within_reopen_window(report: Report, user: User, note: str) -> None:
    if not report.can_reopen():
        raise TransitionNotAllowed(str(REOPEN_WINDOW_OVER))


_TRIAGE = {"permission": (CHANGE_REPORT,), "role": Role.GRID_ADMIN}
TRANSITIONS = TransitionTable(
    model=Report,
    audit_prefix="grid.report",
    history=_record_change,
    wrong_status=WRONG_STATUS,
    reason_message=REASON_REQUIRED,
    select_related=("reporter", "category"),
    transitions=(
        transition(
            "accept", {Status.SUBMITTED}, Status.ACCEPTED, action=_("accepted"), label=_("Accept"), **_TRIAGE
        ),
        transition(
            "dispatch",
            {Status.ACCEPTED},
            Status.DISPATCHED,
            action=_("dispatched"),
            label=_("Dispatch to the responsible department"),
            **_TRIAGE,
        ),
        transition(
            "resolve",
            {Status.ACCEPTED, Status.DISPATCHED},
            Status.RESOLVED,
            action=_("resolved"),
            label=_("Resolve"),
            permission=(CHANGE_REPORT,),
            reason_required=True,
            reason_message=NOTE_REQUIRED,
            role=Role.DEPARTMENT,
        ),
        transition(
            "reject",
            {Status.SUBMITTED, Status.ACCEPTED},
            Status.REJECTED,
            action=_("rejected"),
            label=_("Reject"),
            reason_required=True,
            **_TRIAGE,
        ),
        transition(
            "duplicate",
            {Status.SUBMITTED, Status.ACCEPTED},
            Status.DUPLICATE,
            action=_("marked as a duplicate"),
            **_TRIAGE,
        ),
        transition(
            "reopen",
            {Status.RESOLVED},
            Status.SUBMITTED,
            action=_("reopened"),
            allows=_the_reporter,
            rule=_within_reopen_window,
            role=Role.REPORTER,
        ),
    ),
)


@transaction.atomic(durable=True)
def report_accept(*, report_id: int, acting_user: User, note: str = "") -> Report:
    report = TRANSITIONS.apply(report_id, Status.ACCEPTED, acting_user=acting_user, reason=note)
    if report.reporter is not None:
        amount = points_for(REPORT_ACCEPTED)
        if amount > 0:
            # once_key: accepted again after a reopen, the report earns nothing more.
            points_add(
                user=report.reporter,
                amount=amount,
                reason=REPORT_ACCEPTED,
                source=report,
                once_key=f"report_accepted:{report.pk}",
                acting_user=acting_user,
            )
    _tell_reporter(report, {"id": report.pk, "category": report.category.name_zh})
    return report


@transaction.atomic(durable=True)
def report_dispatch(*, report_id: int, acting_user: User, department: str = "", note: str = "") -> Report:

    def route(change: Change) -> None:
        chosen = department.strip() or change.obj.category.department
        change.fields["department"] = chosen
        change.note = change.reason or str(_("Passed on to %(department)s.") % {"department": chosen})
        change.audit_note, change.audit_data = "", {"department": chosen}

    report = TRANSITIONS.apply(
        report_id, Status.DISPATCHED, acting_user=acting_user, reason=note, prepare=route
    )
    _tell_reporter(report, {"id": report.pk, "department": report.department})
    return report


@transaction.atomic(durable=True)
def report_resolve(*, report_id: int, acting_user: User, note: str, photo: CleanFile | None = None) -> Report:

    def with_fix(change: Change) -> None:
        if photo:
            change.history["photo"] = _add_photo(change.obj, photo, ReportPhoto.Kind.FIX)

    report = TRANSITIONS.apply(
        report_id,
        Status.RESOLVED,
        acting_user=acting_user,
        reason=note,
        fields={"resolved_at": timezone.now()},
        prepare=with_fix,
    )
    _tell_reporter(report, {"id": report.pk, "note": note.strip()})
    for follow in ReportFollow.objects.filter(report=report).select_related("user"):
        notify(
            user=follow.user,
            kind="grid_report_followed_resolved",
            params={"id": report.pk, "note": note.strip()},
            channels=[Message.Channel.INBOX],
        )
    return report


@transaction.atomic(durable=True)
def report_reject(*, report_id: int, acting_user: User, reason: str) -> Report:
    report = TRANSITIONS.apply(
        report_id,
        Status.REJECTED,
        acting_user=acting_user,
        reason=reason,
        fields={"reject_reason": reason.strip()},
    )
    _tell_reporter(report, {"id": report.pk, "reason": reason.strip()})
    return report


@transaction.atomic(durable=True)
def report_mark_duplicate(*, report_id: int, original_id: int, acting_user: User, note: str = "") -> Report:
    require_permission(acting_user, CHANGE_REPORT)
    if report_id == original_id:
        raise ApplicationError(str(DUPLICATE_OF_ITSELF))
    found: dict[str, Report] = {}

    def point_at_original(change: Change) -> None:
        original = Report.objects.filter(pk=original_id).first()
        if original is None:
            raise ApplicationError(str(NO_SUCH_REPORT), extra={"field": "duplicate_of"})
        # Point at the first report of the chain, never at another duplicate.
        while original.duplicate_of_id is not None:
            original = Report.objects.get(pk=original.duplicate_of_id)
        if original.pk == change.obj.pk:
            raise ApplicationError(str(DUPLICATE_OF_ITSELF))
        found["original"] = change.fields["duplicate_of"] = original
        change.note = change.reason or str(
            _("The same problem was already reported as #%(id)s; follow that one.") % {"id": original.pk}
        )
        change.audit_note, change.audit_data = "", {"original": original.pk}

    report = TRANSITIONS.apply(
        report_id, Status.DUPLICATE, acting_user=acting_user, reason=note, prepare=point_at_original
    )
    original = found["original"]
    if report.reporter is not None:
        ReportFollow.objects.get_or_create(report=original, user=report.reporter)
    if note:
        _tell_reporter(report, {"note": note}, kind="grid_report_duplicate_note")
    else:
        _tell_reporter(report, {"id": original.pk})
    return report


@transaction.atomic(durable=True)
def report_reopen(*, report_id: int, user: User, note: str) -> Report:
    def back_in_the_queue(change: Change) -> None:
        change.fields.update(
            resolved_at=None,
            reopen_count=F("reopen_count") + 1,
            due_at=timezone.now() + timedelta(hours=change.obj.category.response_hours),
        )
        change.note = change.audit_note = change.reason or str(_("The problem is back."))

    report = TRANSITIONS.apply(
        report_id, Status.SUBMITTED, acting_user=user, reason=note, prepare=back_in_the_queue
    )
    report.refresh_from_db(fields=["reopen_count"])
    return report


@transaction.atomic(durable=True)
def report_follow(*, report_id: int, user: User) -> ReportFollow:
    if not is_grid_member(user=user):
        raise NotAGridMember(str(NOT_A_GRID_MEMBER))
    report = Report.objects.get(pk=report_id, status__in=Report.OPEN_STATUSES)
    follow, _created = ReportFollow.objects.get_or_create(report=report, user=user)
    return follow


# --- API keys ----------------------------------------------------------------------------


@transaction.atomic(durable=True)
def apikey_issue(*, name: str, acting_user: User) -> tuple[ApiKey, str]:
    """A new key for a partner system; the raw key is returned once and never stored."""
    require_permission(acting_user, "governance.add_apikey")
    raw = ApiKey.generate()
    key = ApiKey.objects.create(
        name=name, prefix=raw[: ApiKey.PREFIX_LENGTH], key_hash=ApiKey.hash(raw), created_by=acting_user
    )
    audit.record(actor=acting_user, action="open311.key.issue", target=key)
    return key, raw


@transaction.atomic(durable=True)
def apikey_revoke(*, key_id: int, acting_user: User) -> ApiKey:
    require_permission(acting_user, "governance.change_apikey")
    key = ApiKey.objects.select_for_update().get(pk=key_id)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record(actor=acting_user, action="open311.key.revoke", target=key)
    return key


@transaction.atomic
def apikey_rename(*, key_id: int, name: str, acting_user: User) -> ApiKey:
    """The key's label (which partner system holds it); audited with the old and the new name."""
    require_permission(acting_user, "governance.change_apikey")
    key = ApiKey.objects.select_for_update().get(pk=key_id)
    previous, key.name = key.name, name.strip()
    if key.name != previous:
        key.save(update_fields=["name"])
        audit.record(
            actor=acting_user,
            action="open311.key.rename",
            target=key,
            data={"from": previous, "to": key.name},
        )
    return key


# --- Configuration: report categories -----------------------------------------------------


@transaction.atomic
def category_save(*, category_id: int | None, values: dict[str, object], acting_user: User) -> Category:
    """A report category: its names, department, response time, whether the public may use it, and its
    own questions (governance.attributes; validated by the field's validator in config_save)."""
    if values.get("attributes") is None:  # the admin's JSON field left empty: no questions
        values = {**values, "attributes": []}
    return config_save(
        Category, pk=category_id, values=values, acting_user=acting_user, action="report.category"
    )
