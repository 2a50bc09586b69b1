"""Every write of the subsidies: applications, the two-person review, the budget, instalments.

Lock order, always: the application first, then its scheme's budget. Two
approvers can therefore never deadlock each other, and the budget row lock
serialises approvals so committed money never exceeds the total (the CHECK
constraint on Budget is the last line of defence).
"""

import math
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from academy.models import CreditRecord, Enrolment, Intake
from academy.signals import credits_recorded
from accounts.models import User
from core import audit
from core.exceptions import ApplicationError, TransitionNotAllowed
from core.permissions import require_permission
from core.transitions import Change, TransitionTable, status_change_record, transition
from core.uploads import CleanFile
from notifications.actions import notify
from subsidies import eligibility
from subsidies.messages import NOTICES
from subsidies.models import ApplicationEvent, Budget, Instalment, OccupationCap, Scheme, SubsidyApplication

Status = SubsidyApplication.Status

CHECK = "subsidies.check_subsidyapplication"
APPROVE = "subsidies.approve_subsidyapplication"
PAY = "subsidies.pay_instalment"

NO_SCHEME = gettext_lazy("No subsidy scheme funds %(intake)s at the moment.")
ALREADY_APPLIED = gettext_lazy("You have already applied for a subsidy for this programme.")
NOT_ELIGIBLE = gettext_lazy("You cannot apply for the subsidy: %(reasons)s")
NOT_EDITABLE = gettext_lazy("This application can no longer be changed.")
DOCUMENT_MISSING = gettext_lazy("Please upload: %(documents)s.")
WRONG_STATUS = gettext_lazy("Subsidy application #%(id)s is “%(status)s”: it cannot be %(action)s now.")
FOUR_EYES = gettext_lazy(
    "You checked application #%(id)s yourself: a different approver must decide it (two-person rule)."
)
OWN_APPLICATION = gettext_lazy("Application #%(id)s is your own: a colleague must review, decide and pay it.")
APPEAL_SAME_PERSON = gettext_lazy(
    "You took part in deciding application #%(id)s: a different approver must decide the appeal."
)
BUDGET_EXHAUSTED = gettext_lazy(
    "Approving #%(id)s (¥%(amount)s) would overspend the budget of %(scheme)s: only ¥%(remaining)s remains. "
    "The application stays in the queue."
)
REASON_REQUIRED = gettext_lazy("Please give a reason; the worker will read it.")
APPEAL_USED = gettext_lazy("An application can be appealed only once.")
INSTALMENT_NOT_PAYABLE = gettext_lazy(
    "Instalment for study year %(year)d is “%(status)s”: only payable instalments (credits recorded) can be paid."
)
PAYMENT_REFERENCE_REQUIRED = gettext_lazy("A payment reference and a payment date are needed.")

DOCUMENT_LABELS = {
    "employment_proof": gettext_lazy("proof of employment"),
    "union_proof": gettext_lazy("trade-union membership proof"),
}


class FourEyesViolation(ApplicationError):
    status_code = 403


class BudgetExhausted(ApplicationError):
    status_code = 409


def _locked(application_id: int) -> SubsidyApplication:
    return (
        SubsidyApplication.objects.select_for_update(of=("self",))
        .select_related("enrolment__offering__programme", "enrolment__intake", "scheme", "applicant")
        .get(pk=application_id)
    )


def _own(application_id: int, worker: User) -> SubsidyApplication:
    application = _locked(application_id)
    if application.applicant_id != worker.pk:
        raise SubsidyApplication.DoesNotExist
    return application


def _record(
    application: SubsidyApplication, previous: str, *, actor: User | None, role: str, reason: str = ""
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        from_status=previous,
        to_status=application.status,
        actor=actor if getattr(actor, "pk", None) else None,
        role=role,
        amount=application.amount,
        reason=reason,
    )


def _record_change(change: Change) -> ApplicationEvent:
    return _record(
        change.obj, change.from_status, actor=change.actor, role=change.transition.role, reason=change.note
    )


def _owned_by(application: SubsidyApplication, worker: User) -> None:
    # Another worker's application is indistinguishable from a missing one.
    if application.applicant_id != worker.pk:
        raise SubsidyApplication.DoesNotExist


def _not_own_check(application: SubsidyApplication, acting_user: User, reason: str) -> None:
    """The two-person rule: the approver is not the checker."""
    if application.checked_by_id == acting_user.pk:
        raise FourEyesViolation(str(FOUR_EYES) % {"id": application.pk})


def _not_own_decision(application: SubsidyApplication, acting_user: User, reason: str) -> None:
    """An appeal is decided by an approver who neither checked nor rejected the application."""
    if acting_user.pk in (application.checked_by_id, application.decided_by_id):
        raise FourEyesViolation(str(APPEAL_SAME_PERSON) % {"id": application.pk})


def _not_the_applicant(application: SubsidyApplication, acting_user: User) -> None:
    """Staff never review, decide or pay their own application (a courier may also work for the
    district): checked on every staff move of the table below, so no page offers one either."""
    if application.applicant_id == acting_user.pk:
        raise FourEyesViolation(str(OWN_APPLICATION) % {"id": application.pk})


def _appeal_once(application: SubsidyApplication, worker: User) -> None:
    _owned_by(application, worker)
    if application.appeal_used:
        raise TransitionNotAllowed(str(APPEAL_USED))


_WORKER = {"allows": _owned_by, "role": "worker"}
_CHECKER = {"permission": (CHECK,), "role": "checker", "allows": _not_the_applicant}
_APPROVER = {"permission": (APPROVE,), "role": "approver", "allows": _not_the_applicant}
# Payments move the status; the payment's own audit row says so.
_FINANCE = {"permission": (PAY,), "role": "finance", "audited": False, "allows": _not_the_applicant}

TRANSITIONS = TransitionTable(
    model=SubsidyApplication,
    audit_prefix="subsidy",
    history=_record_change,
    wrong_status=WRONG_STATUS,
    reason_message=REASON_REQUIRED,
    select_related=("enrolment__offering__programme", "enrolment__intake", "scheme", "applicant"),
    audit_data=lambda application: {"amount": str(application.amount)},
    transitions=(
        transition(
            "submit",
            {Status.DRAFT, Status.RETURNED},
            Status.SUBMITTED,
            action=gettext_lazy("submitted"),
            **_WORKER,
        ),
        transition(
            "check",
            {Status.SUBMITTED},
            Status.CHECKED,
            action=gettext_lazy("checked"),
            label=gettext_lazy("Check (first review)"),
            **_CHECKER,
        ),
        transition(
            "return",
            {Status.SUBMITTED, Status.CHECKED},
            Status.RETURNED,
            action=gettext_lazy("returned"),
            label=gettext_lazy("Return to the worker"),
            permission=(CHECK, APPROVE),
            reason_required=True,
            role="checker",
            allows=_not_the_applicant,
        ),
        transition(
            "approve",
            {Status.CHECKED},
            Status.APPROVED,
            action=gettext_lazy("approved"),
            label=gettext_lazy("Approve"),
            rule=_not_own_check,
            **_APPROVER,
        ),
        transition(
            "reject",
            {Status.CHECKED},
            Status.REJECTED,
            action=gettext_lazy("rejected"),
            label=gettext_lazy("Reject"),
            reason_required=True,
            rule=_not_own_check,
            **_APPROVER,
        ),
        transition(
            "appeal",
            {Status.REJECTED},
            Status.APPEALED,
            action=gettext_lazy("appealed"),
            allows=_appeal_once,
            role="worker",
            reason_required=True,
        ),
        transition(
            "uphold_appeal",
            {Status.APPEALED},
            Status.APPROVED,
            action=gettext_lazy("approved on appeal"),
            label=gettext_lazy("Uphold the appeal: approve"),
            reason_required=True,
            rule=_not_own_decision,
            **_APPROVER,
        ),
        transition(
            "dismiss_appeal",
            {Status.APPEALED},
            Status.REJECTED,
            action=gettext_lazy("rejected on appeal"),
            label=gettext_lazy("Dismiss the appeal: stays rejected"),
            reason_required=True,
            rule=_not_own_decision,
            **_APPROVER,
        ),
        transition(
            "withdraw",
            {Status.DRAFT, Status.SUBMITTED, Status.RETURNED, Status.CHECKED},
            Status.WITHDRAWN,
            action=gettext_lazy("withdrawn"),
            **_WORKER,
        ),
        transition("disburse", {Status.APPROVED}, Status.DISBURSING, **_FINANCE),
        transition("pay_out", {Status.APPROVED, Status.DISBURSING}, Status.PAID, **_FINANCE),
    ),
)


def _notify(application: SubsidyApplication, status: str, reason: str = "") -> None:
    if status not in NOTICES:
        return
    notify(
        user=application.applicant,
        kind=f"subsidy_{status}",
        params={"amount": f"{application.amount:,.2f}", "reason": reason},
        link=reverse("subsidies:application", args=[application.pk]),
    )


def scheme_for(enrolment: Enrolment) -> Scheme | None:
    return (
        Scheme.objects.filter(is_open=True, intakes=enrolment.intake_id)
        .prefetch_related("occupation_caps")
        .order_by("-year")
        .first()
    )


# --- the worker -----------------------------------------------------------------------


@transaction.atomic(durable=True)
def application_start(*, worker: User, enrolment_id: int) -> SubsidyApplication:
    enrolment = Enrolment.objects.select_related("offering__programme", "intake").get(
        pk=enrolment_id, worker=worker
    )
    existing = SubsidyApplication.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        if existing.status == Status.DRAFT:
            return existing
        raise ApplicationError(str(ALREADY_APPLIED))
    scheme = scheme_for(enrolment)
    if scheme is None:
        raise ApplicationError(str(NO_SCHEME) % {"intake": enrolment.intake.name})
    assessment = eligibility.assess(enrolment=enrolment, scheme=scheme)
    if not assessment.eligible:
        raise ApplicationError(
            str(NOT_ELIGIBLE) % {"reasons": " ".join(rule.text for rule in assessment.unmet)}
        )
    try:
        with transaction.atomic():
            application = SubsidyApplication.objects.create(
                enrolment=enrolment,
                applicant=worker,
                scheme=scheme,
                tuition=assessment.tuition,
                cap=assessment.cap,
                amount=assessment.amount,
                occupation=worker.profile.occupation,
            )
    except IntegrityError as error:  # a second tab raced us: one application per enrolment
        raise ApplicationError(str(ALREADY_APPLIED)) from error
    _record(application, "", actor=worker, role="worker")
    audit.record(actor=worker, action="subsidy.start", target=application)
    return application


def required_documents(application: SubsidyApplication) -> list[str]:
    needed = []
    if application.scheme.requires_employment_proof:
        needed.append("employment_proof")
    if application.scheme.requires_union_membership:
        needed.append("union_proof")
    return needed


@transaction.atomic(durable=True)
def application_attach_documents(
    *, worker: User, application_id: int, documents: dict[str, CleanFile]
) -> SubsidyApplication:
    application = _own(application_id, worker)
    if application.status not in (Status.DRAFT, Status.RETURNED):
        raise TransitionNotAllowed(str(NOT_EDITABLE))
    for field, document in documents.items():
        if field not in DOCUMENT_LABELS or document is None:
            continue
        extension = "pdf" if document.content_type == "application/pdf" else "jpg"
        getattr(application, field).save(f"{field}.{extension}", document.content, save=False)
    application.save()
    audit.record(
        actor=worker, action="subsidy.documents", target=application, data={"documents": sorted(documents)}
    )
    return application


@transaction.atomic(durable=True)
def application_submit(*, worker: User, application_id: int) -> SubsidyApplication:
    """Submit (or resubmit after a return). The amount is computed again now: min(cap, tuition)."""

    def ready(change: Change) -> None:
        application = change.obj
        missing = [
            DOCUMENT_LABELS[field]
            for field in required_documents(application)
            if not getattr(application, field)
        ]
        if missing:
            raise ApplicationError(
                str(DOCUMENT_MISSING) % {"documents": "、".join(str(label) for label in missing)}
            )
        assessment = eligibility.assess(enrolment=application.enrolment, scheme=application.scheme)
        if not assessment.eligible:
            raise ApplicationError(
                str(NOT_ELIGIBLE) % {"reasons": " ".join(rule.text for rule in assessment.unmet)}
            )
        change.fields.update(
            tuition=assessment.tuition,
            cap=assessment.cap,
            amount=assessment.amount,
            occupation=worker.profile.occupation,
            submitted_at=timezone.now(),
        )

    application = TRANSITIONS.apply(application_id, Status.SUBMITTED, acting_user=worker, prepare=ready)
    _notify(application, application.status)
    return application


@transaction.atomic(durable=True)
def application_withdraw(*, worker: User, application_id: int) -> SubsidyApplication:
    application = TRANSITIONS.apply(application_id, Status.WITHDRAWN, acting_user=worker)
    _notify(application, application.status)
    return application


@transaction.atomic(durable=True)
def application_appeal(*, worker: User, application_id: int, reason: str) -> SubsidyApplication:
    application = TRANSITIONS.apply(
        application_id,
        Status.APPEALED,
        acting_user=worker,
        reason=reason,
        fields={"appeal_used": True, "appeal_reason": reason.strip()},
    )
    _notify(application, application.status, application.appeal_reason)
    return application


# --- staff: checker, approver ----------------------------------------------------------


@transaction.atomic(durable=True)
def application_check(*, application_id: int, acting_user: User, note: str = "") -> SubsidyApplication:
    application = TRANSITIONS.apply(
        application_id,
        Status.CHECKED,
        acting_user=acting_user,
        reason=note,
        fields={"checked_by": acting_user, "checked_at": timezone.now()},
    )
    _notify(application, application.status, note.strip())
    return application


@transaction.atomic(durable=True)
def application_return(*, application_id: int, acting_user: User, reason: str) -> SubsidyApplication:
    # A returned application is checked afresh after the worker resubmits.
    application = TRANSITIONS.apply(
        application_id,
        Status.RETURNED,
        acting_user=acting_user,
        reason=reason,
        fields={"checked_by": None, "checked_at": None, "reason": reason.strip()},
    )
    _notify(application, application.status, application.reason)
    return application


def _commit_budget(change: Change) -> None:
    application = change.obj
    budget = Budget.objects.select_for_update().get(scheme_id=application.scheme_id)
    if budget.committed + application.amount > budget.total:
        raise BudgetExhausted(
            str(BUDGET_EXHAUSTED)
            % {
                "id": application.pk,
                "amount": f"{application.amount:,.2f}",
                "scheme": application.scheme.name,
                "remaining": f"{budget.remaining:,.2f}",
            }
        )
    budget.committed += application.amount
    budget.save(update_fields=["committed", "updated_at"])


def _decided(acting_user: User, reason: str) -> dict[str, object]:
    return {"decided_by": acting_user, "decided_at": timezone.now(), "reason": reason.strip()}


@transaction.atomic(durable=True)
def application_approve(*, application_id: int, acting_user: User, note: str = "") -> SubsidyApplication:
    application = TRANSITIONS.apply(
        application_id,
        Status.APPROVED,
        via="approve",
        acting_user=acting_user,
        reason=note,
        fields=_decided(acting_user, note),
        prepare=_commit_budget,
    )
    _notify(application, application.status, application.reason)
    _plan_instalments(application)
    return application


@transaction.atomic(durable=True)
def application_reject(*, application_id: int, acting_user: User, reason: str) -> SubsidyApplication:
    application = TRANSITIONS.apply(
        application_id,
        Status.REJECTED,
        via="reject",
        acting_user=acting_user,
        reason=reason,
        fields=_decided(acting_user, reason),
    )
    _notify(application, application.status, application.reason)
    return application


@transaction.atomic(durable=True)
def application_decide_appeal(
    *, application_id: int, acting_user: User, uphold: bool, reason: str
) -> SubsidyApplication:
    """The appeal is decided by an approver who neither checked nor rejected the application."""
    if uphold:
        application = TRANSITIONS.apply(
            application_id,
            Status.APPROVED,
            via="uphold_appeal",
            acting_user=acting_user,
            reason=reason,
            fields=_decided(acting_user, reason),
            prepare=_commit_budget,
        )
    else:
        application = TRANSITIONS.apply(
            application_id,
            Status.REJECTED,
            via="dismiss_appeal",
            acting_user=acting_user,
            reason=reason,
            fields=_decided(acting_user, reason),
        )
    _notify(application, application.status, application.reason)
    if uphold:
        _plan_instalments(application)
    return application


# --- instalments -------------------------------------------------------------------------


def split_by_study_year(amount: Decimal, duration_years: Decimal) -> list[Decimal]:
    """Equal shares per study year, cents rounded down, the remainder in the last year."""
    years = max(1, math.ceil(duration_years))
    share = (amount / years).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    return [share] * (years - 1) + [amount - share * (years - 1)]


def _plan_instalments(application: SubsidyApplication) -> None:
    shares = split_by_study_year(application.amount, application.enrolment.offering.programme.duration_years)
    credited = set(
        CreditRecord.objects.filter(enrolment=application.enrolment_id).values_list("study_year", flat=True)
    )
    now = timezone.now()
    Instalment.objects.bulk_create(
        [
            Instalment(
                application=application,
                study_year=year,
                amount=share,
                status=Instalment.Status.PAYABLE if year in credited else Instalment.Status.PENDING,
                payable_at=now if year in credited else None,
            )
            for year, share in enumerate(shares, start=1)
        ]
    )


def _instalment_not_payable(instalment: Instalment) -> str:
    return str(INSTALMENT_NOT_PAYABLE) % {
        "year": instalment.study_year,
        "status": instalment.get_status_display(),
    }


# An instalment is planned pending (or payable when that year's credits are in), made payable by
# the credits, paid once. Its audit rows name the application (subsidy.instalment_payable /
# subsidy.instalment_paid, written by the callers); its history: core.StatusChange rows.
INSTALMENT_TRANSITIONS = TransitionTable(
    model=Instalment,
    audit_prefix="subsidy.instalment",
    history=status_change_record,
    wrong_status=_instalment_not_payable,
    transitions=(
        transition(
            "payable",
            {Instalment.Status.PENDING},
            Instalment.Status.PAYABLE,
            action=gettext_lazy("made payable"),
            audited=False,
        ),
        transition(
            "paid",
            {Instalment.Status.PAYABLE},
            Instalment.Status.PAID,
            action=gettext_lazy("paid"),
            permission=(PAY,),
            audited=False,
        ),
    ),
)


@receiver(credits_recorded, dispatch_uid="subsidies.instalment_payable_on_credits")
def instalment_payable_on_credits(
    sender: type[CreditRecord], record: CreditRecord, acting_user: User | None = None, **kwargs: object
) -> None:
    """Credits for a study year make that year's instalment payable (same transaction as the credits)."""
    waiting = list(
        Instalment.objects.filter(
            application__enrolment_id=record.enrolment_id,
            application__status__in=SubsidyApplication.COMMITTED,
            study_year=record.study_year,
            status=Instalment.Status.PENDING,
        ).values_list("pk", flat=True)
    )
    now = timezone.now()
    for instalment_id in waiting:
        INSTALMENT_TRANSITIONS.apply(
            instalment_id, Instalment.Status.PAYABLE, acting_user=acting_user, fields={"payable_at": now}
        )
    if waiting:
        application = SubsidyApplication.objects.get(enrolment_id=record.enrolment_id)
        audit.record(
            actor=acting_user,
            action="subsidy.instalment_payable",
            target=application,
            data={"study_year": record.study_year},
        )


@transaction.atomic(durable=True)
def instalment_mark_paid(
    *, instalment_id: int, acting_user: User, reference: str, paid_on: date | None
) -> Instalment:
    require_permission(acting_user, PAY)
    reference = reference.strip()
    if not reference or paid_on is None:
        raise ApplicationError(str(PAYMENT_REFERENCE_REQUIRED))
    application_id = Instalment.objects.values_list("application_id", flat=True).get(pk=instalment_id)
    application = _locked(application_id)

    def pay_from_the_budget(change: Change) -> None:
        budget = Budget.objects.select_for_update().get(scheme_id=application.scheme_id)
        budget.paid += change.obj.amount  # the CHECK paid <= committed holds the total
        budget.save(update_fields=["paid", "updated_at"])
        change.fields.update(
            paid_at=timezone.now(), paid_on=paid_on, payment_reference=reference, paid_by=acting_user
        )

    instalment = INSTALMENT_TRANSITIONS.apply(
        instalment_id, Instalment.Status.PAID, acting_user=acting_user, prepare=pay_from_the_budget
    )
    audit.record(
        actor=acting_user,
        action="subsidy.instalment_paid",
        target=application,
        data={"study_year": instalment.study_year, "amount": str(instalment.amount), "reference": reference},
    )
    notify(
        user=application.applicant,
        kind="subsidy_instalment_paid",
        params={"amount": f"{instalment.amount:,.2f}", "year": instalment.study_year, "reference": reference},
        link=reverse("subsidies:application", args=[application.pk]),
    )
    unpaid = application.instalments.exclude(status=Instalment.Status.PAID).exists()
    status = Status.DISBURSING if unpaid else Status.PAID
    if application.status != status:
        TRANSITIONS.apply(application, status, acting_user=acting_user)
        if status == Status.PAID:
            _notify(application, Status.PAID)
    return instalment


BUDGET_BELOW_COMMITTED = gettext_lazy(
    "The total cannot be less than the money already committed (¥%(committed)s)."
)


@transaction.atomic(durable=True)
def budget_set_total(*, scheme_id: int, total: Decimal, acting_user: User, reason: str) -> Budget:
    """Create or change a scheme's budget total; recorded with who and why, never below what is committed."""
    require_permission(acting_user, "subsidies.change_budget")
    reason = reason.strip()
    if not reason:
        raise ApplicationError(str(REASON_REQUIRED))
    budget = Budget.objects.select_for_update().filter(scheme_id=scheme_id).first()
    if budget is None:
        budget = Budget.objects.create(scheme_id=scheme_id, total=total)
        previous = None
    else:
        if total < budget.committed:
            raise ApplicationError(
                str(BUDGET_BELOW_COMMITTED) % {"committed": f"{budget.committed:,.2f}"},
                extra={"field": "total"},
            )
        previous, budget.total = budget.total, total
        budget.save(update_fields=["total", "updated_at"])
    audit.record(
        actor=acting_user,
        action="subsidy.budget_total",
        target=budget,
        note=reason,
        data={"from": str(previous) if previous is not None else None, "to": str(total)},
    )
    return budget


# The rules of a scheme staff set in the admin (everything but its intakes and caps).
SCHEME_FIELDS = (
    "name",
    "year",
    "default_cap",
    "min_age",
    "max_age",
    "min_months_in_trade",
    "requires_district_work",
    "requires_union_membership",
    "requires_employment_proof",
    "is_open",
)


def _scheme_state(scheme: Scheme) -> dict:
    state: dict[str, object] = {field: str(getattr(scheme, field)) for field in SCHEME_FIELDS}
    state["intakes"] = sorted(scheme.intakes.values_list("pk", flat=True))
    state["caps"] = {
        cap.occupation: [str(cap.cap), cap.priority] for cap in scheme.occupation_caps.order_by("occupation")
    }
    return state


@transaction.atomic
def scheme_save(
    *,
    scheme_id: int | None,
    values: dict[str, object],
    intakes: Iterable[Intake],
    caps: dict[str, tuple[Decimal, int]],
    acting_user: User,
) -> Scheme:
    """Create or change a scheme: its rules (`values`, SCHEME_FIELDS), the intakes it funds and its
    cap per occupation (`caps`: occupation -> (yuan, priority); an occupation left out has no cap of
    its own). The audit row holds each changed value before and after."""
    require_permission(acting_user, "subsidies.change_scheme" if scheme_id else "subsidies.add_scheme")
    if scheme_id is None:
        scheme, before = Scheme(), {}
    else:
        scheme = Scheme.objects.select_for_update().get(pk=scheme_id)
        before = _scheme_state(scheme)
    for field in SCHEME_FIELDS:
        if field in values:
            setattr(scheme, field, values[field])
    rows = [
        OccupationCap(occupation=occupation, cap=cap, priority=priority)
        for occupation, (cap, priority) in caps.items()
    ]
    try:
        scheme.full_clean()
        for row in rows:
            row.full_clean(exclude=["scheme"])
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages)) from error
    scheme.save()
    scheme.intakes.set(intakes)
    scheme.occupation_caps.exclude(occupation__in=list(caps)).delete()
    for row in rows:
        OccupationCap.objects.update_or_create(
            scheme=scheme, occupation=row.occupation, defaults={"cap": row.cap, "priority": row.priority}
        )
    after = _scheme_state(scheme)
    changed = {
        key: {"from": before.get(key), "to": value}
        for key, value in after.items()
        if before.get(key) != value
    }
    audit.record(
        actor=acting_user,
        action="subsidy.scheme_change" if before else "subsidy.scheme_create",
        target=scheme,
        data={"changed": changed},
    )
    return scheme
