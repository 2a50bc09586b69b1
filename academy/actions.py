"""Every write of the academy: applications from draft to decision and beyond.

Lock order, always: the enrolment first, then its offering. Two staff members
admitting at once therefore queue on the offering row, and the seat counter
(with its CHECK constraint as the last line of defence) is never exceeded.
"""

from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from academy import eligibility
from academy.messages import NOTICES
from academy.models import ApiClient, CreditRecord, Enrolment, EnrolmentEvent, Offering
from academy.signals import credits_recorded
from accounts.actions import consent_record
from accounts.models import Consent, User
from core import audit
from core.exceptions import ApplicationError, TransitionNotAllowed
from core.permissions import require_permission
from core.transitions import Change, TransitionTable, transition
from core.uploads import CleanFile
from notifications.actions import notify

Status = Enrolment.Status
Role = EnrolmentEvent.Role

DECIDE = "academy.decide_enrolment"
# Staff record credits for the subsidy instalments (either subsidy review role).
RECORD_CREDITS = ("subsidies.check_subsidyapplication", "subsidies.approve_subsidyapplication")

ALREADY_APPLIED = gettext_lazy(
    "You already have an application for %(intake)s. Continue or withdraw it in “My applications”."
)
NOT_ELIGIBLE = gettext_lazy("You cannot apply yet: %(reasons)s")
NOT_A_DRAFT = gettext_lazy("This application has been submitted and can no longer be changed.")
CERTIFICATE_MISSING = gettext_lazy("Please upload your prior-education certificate first.")
WRONG_STATUS = gettext_lazy("Application #%(id)s is “%(status)s”: it cannot be %(action)s now.")
SEATS_FULL = gettext_lazy(
    "No seat left in %(offering)s (%(limit)d seats, all taken). Waitlist the application instead."
)
REASON_REQUIRED = gettext_lazy("Please give the reason for not admitting; the worker will read it.")
STUDENT_NUMBER_REQUIRED = gettext_lazy("A student number is needed to confirm the enrolment.")
CREDITS_NOT_ENROLLED = gettext_lazy(
    "Credits can only be recorded for an enrolled student (now “%(status)s”)."
)
CANNOT_WITHDRAW = gettext_lazy(
    "This application has already been decided and can no longer be withdrawn here."
)


class SeatsFull(ApplicationError):
    status_code = 409


def _client_data(api_client: ApiClient | None) -> dict[str, object] | None:
    """What the audit row says about the partner client that wrote back (None: the system, e.g. demo data)."""
    if api_client is None:
        return None
    return {"api_client": api_client.application.client_id, "university": api_client.university_id}


def _locked(enrolment_id: int) -> Enrolment:
    return (
        Enrolment.objects.select_for_update()
        .select_related("offering__programme", "intake")
        .get(pk=enrolment_id)
    )


def _notify(enrolment: Enrolment, reason: str = "") -> Enrolment:
    if enrolment.status in NOTICES:
        notify(
            user=enrolment.worker,
            kind=f"enrolment_{enrolment.status}",
            params={
                "programme": enrolment.offering.programme,
                "intake": enrolment.intake.name,
                "reason": reason,
                "student_number": enrolment.student_number,
            },
            link=reverse("academy:application", args=[enrolment.pk]),
        )
    return enrolment


def _own(enrolment: Enrolment, worker: User) -> None:
    # Another worker's application is indistinguishable from a missing one.
    if enrolment.worker_id != worker.pk:
        raise Enrolment.DoesNotExist


def _record(change: Change) -> EnrolmentEvent:
    return EnrolmentEvent.objects.create(
        enrolment=change.obj,
        from_status=change.from_status,
        to_status=change.to_status,
        actor=change.actor_or_none,
        actor_role=change.transition.role,
        reason=change.note,
    )


# Who may move an application from which status to which: the one table (core.transitions).
_STAFF = {"permission": (DECIDE,), "role": Role.STAFF}
TRANSITIONS = TransitionTable(
    model=Enrolment,
    audit_prefix="enrolment",
    history=_record,
    wrong_status=WRONG_STATUS,
    reason_message=REASON_REQUIRED,
    select_related=("offering__programme", "intake"),
    # The enrolment with its offering, programme and intake rows, as always (see the lock order above).
    lock_of=None,
    transitions=(
        transition(
            "submit",
            {Status.DRAFT},
            Status.SUBMITTED,
            action=gettext_lazy("submitted"),
            allows=_own,
            role=Role.WORKER,
            wrong_status=NOT_A_DRAFT,
        ),
        transition(
            "admit",
            {Status.SUBMITTED, Status.WAITLISTED},
            Status.ADMITTED,
            action=gettext_lazy("admitted"),
            label=gettext_lazy("Admit"),
            **_STAFF,
        ),
        transition(
            "waitlist",
            {Status.SUBMITTED},
            Status.WAITLISTED,
            action=gettext_lazy("waitlisted"),
            label=gettext_lazy("Waitlist"),
            **_STAFF,
        ),
        transition(
            "reject",
            {Status.SUBMITTED, Status.WAITLISTED},
            Status.REJECTED,
            action=gettext_lazy("rejected"),
            label=gettext_lazy("Reject"),
            reason_required=True,
            **_STAFF,
        ),
        transition(
            "withdraw",
            {Status.DRAFT, Status.SUBMITTED, Status.WAITLISTED},
            Status.WITHDRAWN,
            action=gettext_lazy("withdrawn"),
            allows=_own,
            role=Role.WORKER,
            wrong_status=CANNOT_WITHDRAW,
        ),
        transition(
            "enrol", {Status.ADMITTED}, Status.ENROLLED, action=gettext_lazy("enrolled"), role=Role.UNIVERSITY
        ),
        transition(
            "complete",
            {Status.ENROLLED},
            Status.COMPLETED,
            action=gettext_lazy("completed"),
            role=Role.UNIVERSITY,
        ),
        transition(
            "drop",
            {Status.ADMITTED, Status.ENROLLED},
            Status.WITHDRAWN,
            action=gettext_lazy("withdrawn"),
            role=Role.UNIVERSITY,
        ),
    ),
)


@transaction.atomic(durable=True)
def enrolment_start(*, worker: User, offering_id: int) -> Enrolment:
    """Step 1: choose a programme and intake. Resumes the worker's draft for that intake if there is one."""
    offering = Offering.objects.select_related("programme", "intake").get(pk=offering_id)
    live = (
        Enrolment.objects.select_for_update()
        .filter(worker=worker, intake=offering.intake)
        .exclude(status__in=Enrolment.ENDED)
        .first()
    )
    if live is not None and live.status != Status.DRAFT:
        raise ApplicationError(str(ALREADY_APPLIED) % {"intake": offering.intake.name})
    result = eligibility.check(worker=worker, offering=offering)
    if not result.eligible:
        raise ApplicationError(str(NOT_ELIGIBLE) % {"reasons": " ".join(rule.text for rule in result.unmet)})
    if live is not None:
        live.offering = offering
        live.draft_step = max(live.draft_step, Enrolment.Step.CERTIFICATE)
        live.save(update_fields=["offering", "draft_step", "updated_at"])
        return live
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                worker=worker,
                offering=offering,
                intake=offering.intake,
                draft_step=Enrolment.Step.CERTIFICATE,
            )
    except IntegrityError as error:  # a second tab raced us to the same intake
        raise ApplicationError(str(ALREADY_APPLIED) % {"intake": offering.intake.name}) from error
    EnrolmentEvent.objects.create(
        enrolment=enrolment, to_status=Status.DRAFT, actor=worker, actor_role=Role.WORKER
    )
    audit.record(actor=worker, action="enrolment.start", target=enrolment)
    return enrolment


@transaction.atomic(durable=True)
def enrolment_attach_certificate(*, worker: User, enrolment_id: int, certificate: CleanFile) -> Enrolment:
    """Step 2: the certificate, already checked and cleaned by core.uploads."""
    enrolment = _locked(enrolment_id)
    if enrolment.worker_id != worker.pk:
        raise Enrolment.DoesNotExist
    if enrolment.status != Status.DRAFT:
        raise TransitionNotAllowed(str(NOT_A_DRAFT))
    old = enrolment.certificate.name if enrolment.certificate else ""
    extension = "pdf" if certificate.content_type == "application/pdf" else "jpg"
    enrolment.certificate.save(f"certificate.{extension}", certificate.content, save=False)
    enrolment.certificate_content_type = certificate.content_type
    enrolment.draft_step = max(enrolment.draft_step, Enrolment.Step.REVIEW)
    enrolment.save()
    if old:
        storage = enrolment.certificate.storage
        transaction.on_commit(lambda: storage.delete(old))
    audit.record(actor=worker, action="enrolment.certificate", target=enrolment)
    return enrolment


@transaction.atomic(durable=True)
def enrolment_submit(*, worker: User, enrolment_id: int, share_id_with_university: bool = False) -> Enrolment:
    """Step 3 → 4: submit after review. Eligibility is checked again: time has passed since step 1.

    Sharing the full ID number with the university is a consent of its own (PIPL), optional."""

    def ready(change: Change) -> None:
        enrolment = change.obj
        if not enrolment.certificate:
            raise ApplicationError(str(CERTIFICATE_MISSING))
        result = eligibility.check(worker=worker, offering=enrolment.offering)
        if not result.eligible:
            raise ApplicationError(
                str(NOT_ELIGIBLE) % {"reasons": " ".join(rule.text for rule in result.unmet)}
            )
        if share_id_with_university:
            consent_record(
                user=worker,
                purpose=Consent.Purpose.SHARE_ID_WITH_UNIVERSITY,
                notice_version=settings.SENSITIVE_DATA_NOTICE_VERSION,
            )
        change.fields.update(submitted_at=timezone.now(), draft_step=Enrolment.Step.DONE)

    enrolment = TRANSITIONS.apply(enrolment_id, Status.SUBMITTED, acting_user=worker, prepare=ready)
    return _notify(enrolment)


@transaction.atomic(durable=True)
def enrolment_withdraw(*, worker: User, enrolment_id: int) -> Enrolment:
    enrolment = TRANSITIONS.apply(enrolment_id, Status.WITHDRAWN, via="withdraw", acting_user=worker)
    return _notify(enrolment)


def _decided(acting_user: User, reason: str) -> dict[str, object]:
    return {"decided_at": timezone.now(), "decided_by": acting_user, "decision_reason": reason.strip()}


@transaction.atomic(durable=True)
def enrolment_admit(*, enrolment_id: int, acting_user: User, note: str = "") -> Enrolment:
    def take_seat(change: Change) -> None:
        enrolment = change.obj
        offering = Offering.objects.select_for_update().get(pk=enrolment.offering_id)
        if offering.seats_taken >= offering.seat_limit:
            raise SeatsFull(
                str(SEATS_FULL) % {"offering": str(enrolment.offering), "limit": offering.seat_limit}
            )
        offering.seats_taken += 1
        offering.save(update_fields=["seats_taken", "updated_at"])

    enrolment = TRANSITIONS.apply(
        enrolment_id,
        Status.ADMITTED,
        acting_user=acting_user,
        reason=note,
        fields=_decided(acting_user, note),
        prepare=take_seat,
    )
    return _notify(enrolment, enrolment.decision_reason)


@transaction.atomic(durable=True)
def enrolment_waitlist(*, enrolment_id: int, acting_user: User, note: str = "") -> Enrolment:
    enrolment = TRANSITIONS.apply(
        enrolment_id,
        Status.WAITLISTED,
        acting_user=acting_user,
        reason=note,
        fields=_decided(acting_user, note),
    )
    return _notify(enrolment, enrolment.decision_reason)


@transaction.atomic(durable=True)
def enrolment_reject(*, enrolment_id: int, acting_user: User, reason: str) -> Enrolment:
    enrolment = TRANSITIONS.apply(
        enrolment_id,
        Status.REJECTED,
        acting_user=acting_user,
        reason=reason,
        fields=_decided(acting_user, reason),
    )
    return _notify(enrolment, enrolment.decision_reason)


@transaction.atomic(durable=True)
def enrolment_confirm(
    *, enrolment_id: int, student_number: str, api_client: ApiClient | None = None
) -> Enrolment:
    """The university confirms the enrolment with its student number (`api_client`: the partner's
    academy.ApiClient, named in the audit row; None only for the system, e.g. demo data)."""
    student_number = student_number.strip()
    if not student_number:
        raise ApplicationError(str(STUDENT_NUMBER_REQUIRED))
    enrolment = TRANSITIONS.apply(
        enrolment_id,
        Status.ENROLLED,
        acting_user=None,
        fields={"student_number": student_number},
        audit_data=_client_data(api_client),
    )
    return _notify(enrolment)


@transaction.atomic(durable=True)
def enrolment_complete(*, enrolment_id: int, api_client: ApiClient | None = None) -> Enrolment:
    enrolment = TRANSITIONS.apply(
        enrolment_id, Status.COMPLETED, acting_user=None, audit_data=_client_data(api_client)
    )
    return _notify(enrolment)


@transaction.atomic(durable=True)
def enrolment_drop(*, enrolment_id: int, api_client: ApiClient | None = None, reason: str = "") -> Enrolment:
    """An admitted or enrolled student leaves (reported by the university): the seat is freed."""

    def free_seat(change: Change) -> None:
        offering = Offering.objects.select_for_update().get(pk=change.obj.offering_id)
        offering.seats_taken -= 1
        offering.save(update_fields=["seats_taken", "updated_at"])

    enrolment = TRANSITIONS.apply(
        enrolment_id,
        Status.WITHDRAWN,
        via="drop",
        acting_user=None,
        reason=reason,
        prepare=free_seat,
        audit_data=_client_data(api_client),
    )
    return _notify(enrolment, reason.strip())


@transaction.atomic(durable=True)
def enrolment_record_credits(
    *,
    enrolment_id: int,
    study_year: int,
    credits: Decimal,
    acting_user: User | None = None,
    api_client: ApiClient | None = None,
) -> CreditRecord:
    """Record (or correct) the credits of one study year: written back by the university
    (`api_client`, named in the audit row) or by staff (`acting_user`, who needs a subsidy review
    permission, until the university reports them). Receivers of `credits_recorded` (the subsidy
    instalments) act in the same transaction."""
    if acting_user is not None:
        require_permission(acting_user, *RECORD_CREDITS)
    role = Role.STAFF if acting_user is not None else Role.UNIVERSITY
    enrolment = _locked(enrolment_id)
    if enrolment.status not in (Status.ENROLLED, Status.COMPLETED):
        raise TransitionNotAllowed(str(CREDITS_NOT_ENROLLED) % {"status": enrolment.get_status_display()})
    record, created = CreditRecord.objects.update_or_create(
        enrolment=enrolment,
        study_year=study_year,
        defaults={
            "credits": credits,
            "recorded_by": acting_user if getattr(acting_user, "pk", None) else None,
            "recorded_role": role,
        },
    )
    audit.record(
        actor=acting_user,
        action="enrolment.credits",
        target=enrolment,
        data={
            "study_year": study_year,
            "credits": str(credits),
            "correction": not created,
            **(_client_data(api_client) or {}),
        },
    )
    credits_recorded.send(sender=CreditRecord, record=record, acting_user=acting_user)
    return record
