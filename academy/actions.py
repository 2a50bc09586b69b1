"""Every write of the academy: applications from draft to decision and beyond.

Lock order, always: the enrolment first, then its offering. Two staff members
admitting at once therefore queue on the offering row, and the seat counter
(with its CHECK constraint as the last line of defence) is never exceeded.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from academy import eligibility
from academy.messages import NOTICES
from academy.models import CreditRecord, Enrolment, EnrolmentEvent, Offering
from academy.signals import credits_recorded
from accounts.actions import consent_record
from accounts.models import Consent
from core import audit
from core.exceptions import ApplicationError, TransitionNotAllowed
from core.permissions import require_permission
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


# Who may move an application from which status to which.
TRANSITIONS = {
    "submit": ({Status.DRAFT}, Status.SUBMITTED),
    "admit": ({Status.SUBMITTED, Status.WAITLISTED}, Status.ADMITTED),
    "waitlist": ({Status.SUBMITTED}, Status.WAITLISTED),
    "reject": ({Status.SUBMITTED, Status.WAITLISTED}, Status.REJECTED),
    "withdraw": ({Status.DRAFT, Status.SUBMITTED, Status.WAITLISTED}, Status.WITHDRAWN),
    "enrol": ({Status.ADMITTED}, Status.ENROLLED),
    "complete": ({Status.ENROLLED}, Status.COMPLETED),
    "drop": ({Status.ADMITTED, Status.ENROLLED}, Status.WITHDRAWN),
}
ACTION_NAMES = {
    "submit": gettext_lazy("submitted"),
    "admit": gettext_lazy("admitted"),
    "waitlist": gettext_lazy("waitlisted"),
    "reject": gettext_lazy("rejected"),
    "withdraw": gettext_lazy("withdrawn"),
    "enrol": gettext_lazy("enrolled"),
    "complete": gettext_lazy("completed"),
    "drop": gettext_lazy("withdrawn"),
}


def _client_data(api_client) -> dict | None:
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


def _check_transition(enrolment: Enrolment, action: str) -> None:
    if enrolment.status not in TRANSITIONS[action][0]:
        raise TransitionNotAllowed(
            str(WRONG_STATUS)
            % {"id": enrolment.pk, "status": enrolment.get_status_display(), "action": ACTION_NAMES[action]}
        )


def _move(
    enrolment: Enrolment,
    action: str,
    *,
    actor,
    role: str,
    reason: str = "",
    notify_worker: bool = True,
    data: dict | None = None,
) -> Enrolment:
    _check_transition(enrolment, action)
    target = TRANSITIONS[action][1]
    previous = enrolment.status
    enrolment.status = target
    enrolment.save()
    EnrolmentEvent.objects.create(
        enrolment=enrolment,
        from_status=previous,
        to_status=target,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=role,
        reason=reason,
    )
    audit.record(actor=actor, action=f"enrolment.{action}", target=enrolment, note=reason, data=data)
    if notify_worker and target in NOTICES:
        notify(
            user=enrolment.worker,
            kind=f"enrolment_{target}",
            params={
                "programme": enrolment.offering.programme,
                "intake": enrolment.intake.name,
                "reason": reason,
                "student_number": enrolment.student_number,
            },
            link=reverse("academy:application", args=[enrolment.pk]),
        )
    return enrolment


@transaction.atomic(durable=True)
def enrolment_start(*, worker, offering_id: int) -> Enrolment:
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
def enrolment_attach_certificate(*, worker, enrolment_id: int, certificate: CleanFile) -> Enrolment:
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
def enrolment_submit(*, worker, enrolment_id: int, share_id_with_university: bool = False) -> Enrolment:
    """Step 3 → 4: submit after review. Eligibility is checked again: time has passed since step 1.

    Sharing the full ID number with the university is a consent of its own (PIPL), optional."""
    enrolment = _locked(enrolment_id)
    if enrolment.worker_id != worker.pk:
        raise Enrolment.DoesNotExist
    if enrolment.status != Status.DRAFT:
        raise TransitionNotAllowed(str(NOT_A_DRAFT))
    if not enrolment.certificate:
        raise ApplicationError(str(CERTIFICATE_MISSING))
    result = eligibility.check(worker=worker, offering=enrolment.offering)
    if not result.eligible:
        raise ApplicationError(str(NOT_ELIGIBLE) % {"reasons": " ".join(rule.text for rule in result.unmet)})
    if share_id_with_university:
        consent_record(
            user=worker,
            purpose=Consent.Purpose.SHARE_ID_WITH_UNIVERSITY,
            notice_version=settings.SENSITIVE_DATA_NOTICE_VERSION,
        )
    enrolment.submitted_at = timezone.now()
    enrolment.draft_step = Enrolment.Step.DONE
    return _move(enrolment, "submit", actor=worker, role=Role.WORKER)


@transaction.atomic(durable=True)
def enrolment_withdraw(*, worker, enrolment_id: int) -> Enrolment:
    enrolment = _locked(enrolment_id)
    if enrolment.worker_id != worker.pk:
        raise Enrolment.DoesNotExist
    if enrolment.status not in TRANSITIONS["withdraw"][0]:
        raise TransitionNotAllowed(str(CANNOT_WITHDRAW))
    return _move(enrolment, "withdraw", actor=worker, role=Role.WORKER)


@transaction.atomic(durable=True)
def enrolment_admit(*, enrolment_id: int, acting_user, note: str = "") -> Enrolment:
    require_permission(acting_user, DECIDE)
    enrolment = _locked(enrolment_id)
    _check_transition(enrolment, "admit")
    offering = Offering.objects.select_for_update().get(pk=enrolment.offering_id)
    if offering.seats_taken >= offering.seat_limit:
        raise SeatsFull(str(SEATS_FULL) % {"offering": str(enrolment.offering), "limit": offering.seat_limit})
    offering.seats_taken += 1
    offering.save(update_fields=["seats_taken", "updated_at"])
    _decided(enrolment, acting_user, note)
    return _move(enrolment, "admit", actor=acting_user, role=Role.STAFF, reason=note)


@transaction.atomic(durable=True)
def enrolment_waitlist(*, enrolment_id: int, acting_user, note: str = "") -> Enrolment:
    require_permission(acting_user, DECIDE)
    enrolment = _locked(enrolment_id)
    _check_transition(enrolment, "waitlist")
    _decided(enrolment, acting_user, note)
    return _move(enrolment, "waitlist", actor=acting_user, role=Role.STAFF, reason=note)


@transaction.atomic(durable=True)
def enrolment_reject(*, enrolment_id: int, acting_user, reason: str) -> Enrolment:
    require_permission(acting_user, DECIDE)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(str(REASON_REQUIRED))
    enrolment = _locked(enrolment_id)
    _check_transition(enrolment, "reject")
    _decided(enrolment, acting_user, reason)
    return _move(enrolment, "reject", actor=acting_user, role=Role.STAFF, reason=reason)


def _decided(enrolment: Enrolment, acting_user, reason: str) -> None:
    enrolment.decided_at = timezone.now()
    enrolment.decided_by = acting_user
    enrolment.decision_reason = reason


@transaction.atomic(durable=True)
def enrolment_confirm(*, enrolment_id: int, student_number: str, api_client=None) -> Enrolment:
    """The university confirms the enrolment with its student number (`api_client`: the partner's
    academy.ApiClient, named in the audit row; None only for the system, e.g. demo data)."""
    student_number = student_number.strip()
    if not student_number:
        raise ApplicationError(str(STUDENT_NUMBER_REQUIRED))
    enrolment = _locked(enrolment_id)
    _check_transition(enrolment, "enrol")
    enrolment.student_number = student_number
    return _move(enrolment, "enrol", actor=None, role=Role.UNIVERSITY, data=_client_data(api_client))


@transaction.atomic(durable=True)
def enrolment_complete(*, enrolment_id: int, api_client=None) -> Enrolment:
    return _move(
        _locked(enrolment_id), "complete", actor=None, role=Role.UNIVERSITY, data=_client_data(api_client)
    )


@transaction.atomic(durable=True)
def enrolment_drop(*, enrolment_id: int, api_client=None, reason: str = "") -> Enrolment:
    """An admitted or enrolled student leaves (reported by the university): the seat is freed."""
    enrolment = _locked(enrolment_id)
    _check_transition(enrolment, "drop")
    offering = Offering.objects.select_for_update().get(pk=enrolment.offering_id)
    offering.seats_taken -= 1
    offering.save(update_fields=["seats_taken", "updated_at"])
    return _move(
        enrolment, "drop", actor=None, role=Role.UNIVERSITY, reason=reason, data=_client_data(api_client)
    )


@transaction.atomic(durable=True)
def enrolment_record_credits(
    *, enrolment_id: int, study_year: int, credits, acting_user=None, api_client=None
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
