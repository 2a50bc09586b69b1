"""Reads of the subsidies, with their joins made."""

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.models import Enrolment
from accounts.models import User
from core.home import CHANGED_WITHIN, Group, HomeItem
from core.timeline import Family, TimelineStep
from subsidies.models import ApplicationEvent, Budget, Instalment, Scheme, SubsidyApplication

Status = SubsidyApplication.Status

# Keyed by str: a model's status field reads back as a plain str.
FAMILY: dict[str, Family] = {
    Status.DRAFT: Family.WAITING,
    Status.SUBMITTED: Family.PROGRESS,
    Status.RETURNED: Family.WAITING,
    Status.CHECKED: Family.PROGRESS,
    Status.APPROVED: Family.DONE,
    Status.REJECTED: Family.REFUSED,
    Status.APPEALED: Family.PROGRESS,
    Status.DISBURSING: Family.DONE,
    Status.PAID: Family.DONE,
    Status.WITHDRAWN: Family.REFUSED,
}
ROLE_LABELS = {
    "worker": _("You"),
    "checker": _("Checker"),
    "approver": _("Approver"),
    "finance": _("Finance"),
}


def status_family(status: str) -> str:
    return FAMILY[status].value


def applications_of(*, worker: User) -> QuerySet[SubsidyApplication]:
    return (
        SubsidyApplication.objects.filter(applicant=worker)
        .select_related("enrolment__offering__programme", "enrolment__intake", "scheme")
        .prefetch_related(Prefetch("instalments", queryset=Instalment.objects.order_by("study_year")))
        .order_by("-created_at")
    )


def application_of(*, worker: User, application_id: int) -> SubsidyApplication:
    """A worker's own application; anybody else's id is 404, like a missing one."""
    try:
        return (
            applications_of(worker=worker)
            .prefetch_related(
                Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id"))
            )
            .get(pk=application_id)
        )
    except SubsidyApplication.DoesNotExist:
        raise Http404 from None


def enrolments_without_application(*, worker: User) -> QuerySet[Enrolment]:
    """Admitted or enrolled programmes the worker could still apply for a subsidy for."""
    return (
        Enrolment.objects.filter(
            worker=worker, status__in=[Enrolment.Status.ADMITTED, Enrolment.Status.ENROLLED]
        )
        .filter(subsidy_application__isnull=True)
        .select_related("offering__programme", "intake")
    )


def own_enrolment(*, worker: User, enrolment_id: int) -> Enrolment:
    try:
        return Enrolment.objects.select_related("offering__programme", "intake", "worker__profile").get(
            pk=enrolment_id, worker=worker
        )
    except Enrolment.DoesNotExist:
        raise Http404 from None


def timeline(application: SubsidyApplication) -> tuple[list[TimelineStep], str]:
    steps = [
        TimelineStep(
            label=_("Started") if event.to_status == Status.DRAFT else Status(event.to_status).label,
            at=event.created_at,
            family=FAMILY[event.to_status],
            actor=str(ROLE_LABELS.get(event.role, "")),
            note=event.reason
            if event.to_status in (Status.RETURNED, Status.REJECTED, Status.APPEALED)
            else "",
        )
        for event in application.events.all()
    ]
    upcoming_by_status: dict[str, list[str]] = {
        Status.DRAFT: [_("Submitted"), _("First check"), _("Approval")],
        Status.SUBMITTED: [_("First check"), _("Approval")],
        Status.RETURNED: [_("Submitted again"), _("First check"), _("Approval")],
        Status.CHECKED: [_("Approval")],
        Status.APPEALED: [_("Appeal decision")],
    }
    upcoming = upcoming_by_status.get(application.status, [])
    steps += [TimelineStep(label=label, at=None, family=Family.WAITING) for label in upcoming]
    next_steps: dict[str, str] = {
        Status.DRAFT: _("Upload the documents and submit."),
        Status.SUBMITTED: _("A checker looks at your documents, usually within 5 working days."),
        Status.RETURNED: _("Read the reason above, fix what is asked and submit again."),
        Status.CHECKED: _("A different staff member (the approver) decides."),
        Status.APPROVED: _(
            "Each year's share is paid once that year's credits are recorded by the university."
        ),
        Status.DISBURSING: _(
            "Each year's share is paid once that year's credits are recorded by the university."
        ),
        Status.REJECTED: _("You may appeal once, with your reasons."),
        Status.APPEALED: _("A different approver decides your appeal."),
    }
    return steps, next_steps.get(application.status, "")


def budgets_overview() -> list[dict]:
    """Per scheme: counts by status, money committed, paid and remaining (the budget dashboard)."""
    budgets = {budget.scheme_id: budget for budget in Budget.objects.select_related("scheme")}
    counts: dict[int, dict[str, int]] = {}
    for row in SubsidyApplication.objects.values("scheme_id", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(row["scheme_id"], {})[row["status"]] = row["n"]
    payable = dict(
        Instalment.objects.filter(status=Instalment.Status.PAYABLE)
        .values_list("application__scheme_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    overview = []
    for scheme in Scheme.objects.order_by("-year", "name"):
        budget = budgets.get(scheme.pk)
        overview.append(
            {
                "scheme": scheme,
                "budget": budget,
                "counts": [
                    (label, counts.get(scheme.pk, {}).get(value, 0)) for value, label in Status.choices
                ],
                "payable": payable.get(scheme.pk, 0),
            }
        )
    return overview


# --- The district dashboard's rollup (dashboard.actions reads these, never the tables) ----------


def application_rollup() -> QuerySet:
    """Applications per submission month, street and occupation: decisions, rates, days taken."""
    from django.db.models import DateField, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Value
    from django.db.models.functions import Coalesce, Trunc

    returned = ApplicationEvent.objects.filter(application_id=OuterRef("pk"), to_status=Status.RETURNED)
    decided = Q(decided_at__isnull=False) & ~Q(status__in=(Status.RETURNED, Status.SUBMITTED, Status.CHECKED))
    return (
        SubsidyApplication.objects.exclude(submitted_at=None)
        .annotate(
            was_returned=Exists(returned),
            to_decision=ExpressionWrapper(F("decided_at") - F("submitted_at"), output_field=DurationField()),
            to_check=ExpressionWrapper(F("checked_at") - F("submitted_at"), output_field=DurationField()),
        )
        .values(
            "occupation",
            month=Trunc("submitted_at", "month", output_field=DateField()),
            street=Coalesce(F("applicant__profile__street"), Value("")),
        )
        .annotate(
            submitted=Count("pk"),
            returned=Count("pk", filter=Q(was_returned=True)),
            checked=Count("pk", filter=Q(checked_at__isnull=False)),
            check_time=Sum("to_check"),
            decided=Count("pk", filter=decided),
            decision_time=Sum("to_decision", filter=decided),
            approved=Count("pk", filter=Q(status__in=SubsidyApplication.COMMITTED)),
            rejected=Count("pk", filter=Q(status=Status.REJECTED)),
            appealed=Count("pk", filter=Q(appeal_used=True) | Q(status=Status.APPEALED)),
        )
        .order_by()
    )


def committed_rollup() -> QuerySet:
    """Money committed per decision month, street and occupation (what the approvals took)."""
    from django.db.models import DateField, F, Value
    from django.db.models.functions import Coalesce, Trunc

    return (
        SubsidyApplication.objects.filter(status__in=SubsidyApplication.COMMITTED, decided_at__isnull=False)
        .values(
            "occupation",
            month=Trunc("decided_at", "month", output_field=DateField()),
            street=Coalesce(F("applicant__profile__street"), Value("")),
        )
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )


def paid_rollup() -> QuerySet:
    """Instalments paid per payment month, street and occupation."""
    from django.db.models import DateField, F, Value
    from django.db.models.functions import Coalesce, Trunc

    return (
        Instalment.objects.filter(status=Instalment.Status.PAID, paid_on__isnull=False)
        .values(
            month=Trunc("paid_on", "month", output_field=DateField()),
            street=Coalesce(F("application__applicant__profile__street"), Value("")),
            occupation=F("application__occupation"),
        )
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )


def budget_totals() -> dict:
    """Every scheme's pool together: total, committed, paid (a handful of rows)."""
    return Budget.objects.aggregate(total=Sum("total"), committed=Sum("committed"), paid=Sum("paid"))


def home_items(*, user: User) -> list[HomeItem]:
    """For the home page: documents asked for, drafts, recent decisions, and admitted programmes
    without an application yet (2 queries)."""
    since = timezone.now() - CHANGED_WITHIN
    Status = SubsidyApplication.Status
    applications = (
        SubsidyApplication.objects.filter(applicant=user)
        .filter(Q(status__in=[Status.DRAFT, Status.RETURNED]) | Q(decided_at__gte=since))
        .select_related("enrolment__offering__programme")
        .order_by("-updated_at")[:10]
    )
    items = []
    for application in applications:
        title = _("Tuition subsidy: %(programme)s") % {"programme": application.enrolment.offering.programme}
        if application.status == Status.RETURNED:
            items.append(
                HomeItem(
                    Group.WAITING,
                    title,
                    _("The office asks for more documents."),
                    _("Add the documents"),
                    reverse("subsidies:documents", args=[application.pk]),
                    application.updated_at,
                )
            )
        elif application.status == Status.DRAFT:
            items.append(
                HomeItem(
                    Group.DRAFT,
                    title,
                    _("Started, not sent yet: everything you filled in is saved."),
                    _("Continue the application"),
                    reverse("subsidies:documents", args=[application.pk]),
                    application.updated_at,
                )
            )
        else:
            items.append(
                HomeItem(
                    Group.CHANGED,
                    title,
                    _("Now: %(status)s") % {"status": application.get_status_display()},
                    _("See the application"),
                    reverse("subsidies:application", args=[application.pk]),
                    application.decided_at,
                )
            )
    for enrolment in enrolments_without_application(worker=user):
        items.append(
            HomeItem(
                Group.WAITING,
                _("Admitted: %(programme)s") % {"programme": enrolment.offering.programme},
                _("You can now apply for the tuition subsidy."),
                _("Apply for the tuition subsidy"),
                reverse("subsidies:apply", args=[enrolment.pk]),
                enrolment.decided_at,
            )
        )
    return items


def instalment_forecast_rollup(*, today: dt.date | None = None) -> QuerySet:
    """Instalments not paid yet, per month they are expected to fall due, street and occupation.

    A payable instalment (its study year's credits are recorded) is due now. A pending one falls
    due when its study year's credits come in, which is at the end of that study year: the
    intake's start plus `study_year` years. One whose year is over but whose credits are late is
    counted in the current month, where it could fall due any day.
    """
    from django.db.models import (
        Case,
        DateField,
        DateTimeField,
        DurationField,
        ExpressionWrapper,
        F,
        Func,
        Value,
        When,
    )
    from django.db.models.functions import Coalesce, Greatest, Trunc

    this_month = (today or timezone.localdate()).replace(day=1)
    year_end = ExpressionWrapper(
        F("application__enrolment__offering__intake__starts_on")
        + Func(
            F("study_year"), template="make_interval(years => %(expressions)s)", output_field=DurationField()
        ),
        output_field=DateTimeField(),
    )
    pending = Instalment.Status.PENDING
    now = Value(this_month, output_field=DateField())
    return (
        Instalment.objects.filter(
            status__in=(pending, Instalment.Status.PAYABLE),
            application__status__in=SubsidyApplication.COMMITTED,
        )
        .values(
            month=Case(
                When(status=pending, then=Greatest(Trunc(year_end, "month", output_field=DateField()), now)),
                default=now,
                output_field=DateField(),
            ),
            street=Coalesce(F("application__applicant__profile__street"), Value("")),
            occupation=F("application__occupation"),
        )
        .annotate(
            n=Count("pk"),
            due=Sum("amount"),
            payable=Count("pk", filter=Q(status=Instalment.Status.PAYABLE)),
            payable_due=Sum("amount", filter=Q(status=Instalment.Status.PAYABLE)),
        )
        .order_by()
    )
