"""Writes of the delivery map: a rider proposes a correction; staff or the site's manager decide.

A decision goes through the one transition path (core.transitions): the correction row is locked,
its status re-checked, and an accept changes the site in the same savepoint (`prepare`), keeps a
SiteChange row (the map's history) and earns the proposer points once (`once_key`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from core import audit
from core.exceptions import ApplicationError, PermissionDenied
from core.geo import haversine_km
from core.transitions import Change, TransitionTable, transition
from core.uploads import CleanFile
from delivery.models import (
    Building,
    Correction,
    CorrectionDecision,
    Gate,
    Parking,
    Site,
    SiteChange,
    SiteNote,
    SiteRating,
)
from delivery.points_kinds import CORRECTION_ACCEPTED
from delivery.refs import parse_building_ref
from notifications.actions import notify
from notifications.models import Message
from points.actions import points_add
from points.selectors import points_for

Status = Correction.Status
Kind = Correction.Kind

# A rider proposes what they saw on the spot: farther than this from the site's point, it is refused.
MAX_DISTANCE_KM = 1.0
REVIEW_ANY_SITE = "delivery.review_correction"

TOO_FAR = _(
    "You are %(distance).1f km from %(site)s. Please propose a correction when you are at the site "
    "(within %(max).0f km), so that your location shows what you saw."
)
NEEDS_GATE = _("Please choose the gate you mean.")
NEEDS_BUILDING = _("Please choose the building whose number is wrong.")
NEEDS_NUMBER = _("Please write the right building number, e.g. 3 or 3幢.")
NOT_OF_THIS_SITE = _("This part belongs to another site.")
SAME_NUMBER = _("Building %(number)s already has this number.")
NUMBER_TAKEN = _("This site already has a building %(number)s.")
PART_GONE = _("The part this correction is about was removed from the map; reject it with a reason.")
NOT_YOUR_SITE = _("Only district staff or the managers of this site can decide on its corrections.")
WRONG_STATUS = _("This correction is “%(status)s” now: it cannot be %(action)s.")
REASON_REQUIRED = _("Please give the reason; the rider reads it.")


def may_review(user: User, site: Site) -> bool:
    """District staff with the permission, or a manager of this very site."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.has_perm(REVIEW_ANY_SITE):
        return True
    return site.managers.filter(pk=user.pk).exists()


# --- Proposing -------------------------------------------------------------------------


@transaction.atomic(durable=True)
def correction_propose(
    *,
    site: Site,
    proposer: User,
    kind: str,
    text: str,
    lat: float,
    lng: float,
    photo: CleanFile,
    gate: Gate | None = None,
    building: Building | None = None,
    building_number: str = "",
) -> Correction:
    distance = haversine_km(lat, lng, site.latitude, site.longitude)
    if distance > MAX_DISTANCE_KM:
        raise ApplicationError(
            str(TOO_FAR) % {"distance": distance, "site": site.name, "max": MAX_DISTANCE_KM},
            extra={"field": "lat"},
        )
    for part in (gate, building):
        if part is not None and part.site_id != site.pk:
            raise ApplicationError(str(NOT_OF_THIS_SITE))
    number = ""
    if kind == Kind.GATE_CLOSED and gate is None:
        raise ApplicationError(str(NEEDS_GATE), extra={"field": "gate"})
    if kind == Kind.BUILDING_NUMBER:
        if building is None:
            raise ApplicationError(str(NEEDS_BUILDING), extra={"field": "building"})
        if not building_number.strip():
            raise ApplicationError(str(NEEDS_NUMBER), extra={"field": "building_number"})
        try:
            number = parse_building_ref(building_number).number
        except ValueError as error:
            raise ApplicationError(str(error), extra={"field": "building_number"}) from None
        if number == building.number:
            raise ApplicationError(str(SAME_NUMBER) % {"number": number}, extra={"field": "building_number"})
    correction = Correction(
        site=site,
        proposer=proposer,
        kind=kind,
        gate=gate if kind == Kind.GATE_CLOSED else None,
        building=building if kind == Kind.BUILDING_NUMBER else None,
        building_number=number,
        text=text.strip(),
        latitude=lat,
        longitude=lng,
    )
    correction.photo.save("photo.jpg", photo.content, save=False)
    correction.thumbnail.save("thumbnail.jpg", photo.thumbnail or photo.content, save=False)
    correction.save()
    CorrectionDecision.objects.create(
        correction=correction, from_status="", to_status=Status.PENDING, actor=proposer
    )
    audit.record(actor=proposer, action="delivery.correction.propose", target=correction)
    return correction


# --- Rating --------------------------------------------------------------------------

RATED_THIS_MONTH = _("You have rated %(site)s this month already. You can rate it again from %(next)s.")


@transaction.atomic(durable=True)
def rating_add(
    *, site: Site, rider: User, entering: int, parking: int, finding: int, lifts: int
) -> SiteRating:
    today = timezone.localdate()
    month = today.replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    try:
        # The unique constraint decides, so two taps at once cannot both count.
        with transaction.atomic():
            rating = SiteRating.objects.create(
                site=site,
                rider=rider,
                month=month,
                entering=entering,
                parking=parking,
                finding=finding,
                lifts=lifts,
            )
    except IntegrityError:
        raise ApplicationError(
            str(RATED_THIS_MONTH)
            % {"site": site.name, "next": formats.date_format(next_month, "DATE_FORMAT")}
        ) from None
    audit.record(actor=rider, action="delivery.site.rate", target=rating)
    return rating


# --- Deciding --------------------------------------------------------------------------


def _record_decision(change: Change) -> CorrectionDecision:
    return CorrectionDecision.objects.create(
        correction=change.obj,
        from_status=change.from_status,
        to_status=change.to_status,
        actor=change.actor_or_none,
        reason=change.reason,
    )


def _reviewer_of_this_site(correction: Correction, user: User) -> None:
    if not may_review(user, correction.site):
        raise PermissionDenied(str(NOT_YOUR_SITE))


_REVIEW = {"allows": _reviewer_of_this_site}
TRANSITIONS = TransitionTable(
    model=Correction,
    audit_prefix="delivery.correction",
    history=_record_decision,
    wrong_status=WRONG_STATUS,
    reason_message=REASON_REQUIRED,
    select_related=("site", "proposer"),
    transitions=(
        transition(
            "accept",
            {Status.PENDING},
            Status.ACCEPTED,
            action=pgettext_lazy("map correction", "accepted"),
            label=pgettext_lazy("map correction", "Accept"),
            **_REVIEW,
        ),
        transition(
            "reject",
            {Status.PENDING},
            Status.REJECTED,
            action=pgettext_lazy("map correction", "rejected"),
            label=pgettext_lazy("map correction", "Reject"),
            reason_required=True,
            **_REVIEW,
        ),
    ),
)


def _part_state(part: Any, fields: tuple[str, ...]) -> dict:
    return {name: getattr(part, name) for name in fields}


def _apply_to_map(correction: Correction) -> SiteChange:
    """Change the site as the correction says; the rows are locked by the correction's lock order."""
    site = correction.site
    before: dict | None = None
    after: dict | None = None
    if correction.kind == Kind.GATE_CLOSED:
        gate = Gate.objects.select_for_update().filter(pk=correction.gate_id or 0, site=site).first()
        if gate is None:
            raise ApplicationError(str(PART_GONE))
        before = _part_state(gate, ("name", "is_active"))
        gate.is_active = False
        gate.notes = correction.text[:200]
        gate.save(update_fields=["is_active", "notes", "updated_at"])
        after = _part_state(gate, ("name", "is_active"))
        summary = _("%(gate)s: closed to riders (%(text)s)") % {"gate": gate.name, "text": correction.text}
    elif correction.kind == Kind.NEW_GATE:
        gate = Gate.objects.create(
            site=site, name=correction.text[:60], latitude=correction.latitude, longitude=correction.longitude
        )
        after = {"gate": str(gate.uuid), "name": gate.name}
        summary = _("New gate: %(name)s") % {"name": gate.name}
    elif correction.kind == Kind.NEW_PARKING:
        parking = Parking.objects.create(
            site=site, name=correction.text[:60], latitude=correction.latitude, longitude=correction.longitude
        )
        after = {"parking": str(parking.uuid), "name": parking.name}
        summary = _("New rider parking: %(name)s") % {"name": parking.name}
    elif correction.kind == Kind.BUILDING_NUMBER:
        building = (
            Building.objects.select_for_update().filter(pk=correction.building_id or 0, site=site).first()
        )
        if building is None:
            raise ApplicationError(str(PART_GONE))
        before = {"number": building.number}
        building.number = correction.building_number
        try:
            with transaction.atomic():
                building.save(update_fields=["number", "updated_at"])
        except IntegrityError:
            raise ApplicationError(str(NUMBER_TAKEN) % {"number": correction.building_number}) from None
        after = {"number": building.number}
        summary = _("Building %(old)s is building %(new)s") % {
            "old": before["number"],
            "new": building.number,
        }
    else:
        note = SiteNote.objects.create(site=site, text=correction.text)
        after = {"note": note.text}
        summary = _("Note: %(text)s") % {"text": note.text}
    Site.objects.filter(pk=site.pk).update(updated_at=timezone.now())
    return SiteChange.objects.create(
        site=site, correction=correction, summary=str(summary)[:200], before=before, after=after
    )


def _decided(change: Change) -> None:
    change.fields.update(decided_by=change.actor_or_none, decided_at=timezone.now(), reason=change.reason)


@transaction.atomic(durable=True)
def correction_accept(*, correction_id: int, acting_user: User, note: str = "") -> Correction:
    def change_the_map(change: Change) -> None:
        _decided(change)
        _apply_to_map(change.obj)

    correction = TRANSITIONS.apply(
        correction_id, Status.ACCEPTED, acting_user=acting_user, reason=note, prepare=change_the_map
    )
    amount = points_for(CORRECTION_ACCEPTED)
    if amount > 0:
        # once_key: whatever happens to the row later, one correction earns once.
        points_add(
            user=correction.proposer,
            amount=amount,
            reason=CORRECTION_ACCEPTED,
            source=correction,
            once_key=f"delivery_correction_accepted:{correction.pk}",
            acting_user=acting_user,
        )
    _tell_proposer(correction, {"site": correction.site.name})
    return correction


@transaction.atomic(durable=True)
def correction_reject(*, correction_id: int, acting_user: User, reason: str) -> Correction:
    correction = TRANSITIONS.apply(
        correction_id, Status.REJECTED, acting_user=acting_user, reason=reason, prepare=_decided
    )
    _tell_proposer(correction, {"site": correction.site.name, "reason": correction.reason})
    return correction


def _tell_proposer(correction: Correction, params: dict) -> None:
    notify(
        user=correction.proposer,
        kind=f"delivery_correction_{correction.status}",
        params=params,
        link=reverse("delivery:correction", args=[correction.pk]),
        channels=[Message.Channel.INBOX],
    )
