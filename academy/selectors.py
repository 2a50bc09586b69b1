"""Reads of the academy, with their joins made."""

from datetime import datetime

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.models import Enrolment, EnrolmentEvent, Intake, Offering, Programme
from accounts.models import User
from core.home import CHANGED_WITHIN, Group, HomeItem
from core.timeline import Family, TimelineStep

Status = Enrolment.Status

# The namespace of core.public_cache (and core.fragments) for the programme catalogue: a change of a
# programme, an offering, an intake or a university starts a new generation (academy.signals).
CATALOGUE = "academy-catalogue"


def programmes(*, level: str = "", major: str = "") -> QuerySet[Programme]:
    now = timezone.now()
    queryset = Programme.objects.filter(is_active=True).select_related("university")
    if level:
        queryset = queryset.filter(level=level)
    if major:
        queryset = queryset.filter(major=major)
    return queryset.annotate(
        open_offerings=Count(
            "offerings",
            filter=Q(
                offerings__intake__applications_open_at__lte=now,
                offerings__intake__applications_close_at__gt=now,
            ),
        )
    ).order_by("level", "major", "pk")


def next_intake_change() -> datetime | None:
    """When an intake next opens or closes for applications: the catalogue's "Applications open"
    changes then, whatever rows change before."""
    now = timezone.now()
    moments = Intake.objects.aggregate(
        opens=Min("applications_open_at", filter=Q(applications_open_at__gt=now)),
        closes=Min("applications_close_at", filter=Q(applications_close_at__gt=now)),
    )
    return min((moment for moment in moments.values() if moment is not None), default=None)


def majors() -> list[str]:
    return list(
        Programme.objects.filter(is_active=True).order_by("major").values_list("major", flat=True).distinct()
    )


def open_offerings(*, programme: Programme | None = None) -> QuerySet[Offering]:
    now = timezone.now()
    queryset = Offering.objects.filter(
        programme__is_active=True,
        intake__applications_open_at__lte=now,
        intake__applications_close_at__gt=now,
    ).select_related("programme__university", "intake")
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    return queryset.order_by("intake__starts_on", "programme__level", "programme__major")


def current_intakes() -> QuerySet[Intake]:
    return Intake.objects.filter(applications_close_at__gt=timezone.now()).order_by("starts_on")


def enrolments_of(*, worker: User) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(worker=worker)
        .select_related("offering__programme__university", "intake")
        .order_by("-created_at")
    )


def enrolment_of(*, worker: User, enrolment_id: int) -> Enrolment:
    """A worker's own application; anybody else's id is 404, like a missing one."""
    try:
        return (
            enrolments_of(worker=worker)
            .prefetch_related(
                Prefetch("events", queryset=EnrolmentEvent.objects.order_by("created_at", "id"))
            )
            .get(pk=enrolment_id)
        )
    except Enrolment.DoesNotExist:
        raise Http404 from None


def live_enrolment_for_intake(*, worker: User, intake_id: int) -> Enrolment | None:
    return (
        enrolments_of(worker=worker).filter(intake_id=intake_id).exclude(status__in=Enrolment.ENDED).first()
    )


# Keyed by str: a model's status field reads back as a plain str.
FAMILY: dict[str, Family] = {
    Status.DRAFT: Family.WAITING,
    Status.SUBMITTED: Family.PROGRESS,
    Status.WAITLISTED: Family.WAITING,
    Status.ADMITTED: Family.DONE,
    Status.ENROLLED: Family.DONE,
    Status.COMPLETED: Family.DONE,
    Status.REJECTED: Family.REFUSED,
    Status.WITHDRAWN: Family.REFUSED,
}


def status_family(status: str) -> str:
    return FAMILY[status].value


def timeline(enrolment: Enrolment) -> tuple[list[TimelineStep], str]:
    """The application's history as the worker sees it, and what happens next in plain words."""
    steps = [
        TimelineStep(
            label=_("Started") if event.to_status == Status.DRAFT else Status(event.to_status).label,
            at=event.created_at,
            family=FAMILY[event.to_status],
            actor=EnrolmentEvent.Role(event.actor_role).label,
            note=event.reason
            if event.to_status in (Status.REJECTED, Status.WAITLISTED, Status.WITHDRAWN)
            else "",
        )
        for event in enrolment.events.all()
    ]
    upcoming_by_status: dict[str, list[str]] = {
        Status.DRAFT: [_("Submitted"), _("Decision")],
        Status.SUBMITTED: [_("Decision")],
        Status.WAITLISTED: [_("Decision")],
        Status.ADMITTED: [_("Enrolled")],
    }
    upcoming = upcoming_by_status.get(enrolment.status, [])
    steps += [TimelineStep(label=label, at=None, family=Family.WAITING) for label in upcoming]
    next_steps: dict[str, str] = {
        Status.DRAFT: _("Finish your application: it is saved, continue where you left off."),
        Status.SUBMITTED: _("The academy office reviews your application, usually within 5 working days."),
        Status.WAITLISTED: _("You are on the waiting list; if a seat frees up you will be admitted."),
        Status.ADMITTED: _(
            "The university will confirm your enrolment and give you a student number. "
            "You can now apply for the tuition subsidy."
        ),
        Status.ENROLLED: _("Study well: live classes in the evening and at weekends, replays any time."),
        Status.REJECTED: _("You can apply again in a later intake."),
    }
    return steps, next_steps.get(enrolment.status, "")


# --- The district dashboard's rollup (dashboard.actions reads these, never the tables) ----------


def enrolment_rollup() -> QuerySet:
    """Applications per submission month, intake, street and occupation: how far each got.

    "Reached" is read from where an application stands now: an enrolled student was admitted
    first, a completed one enrolled first. Withdrawn applications are the drop-outs.
    """
    from django.db.models import Count, DateField, Exists, F, OuterRef, Q, Value
    from django.db.models.functions import Coalesce, Trunc

    from academy.models import CreditRecord

    Status = Enrolment.Status
    credited = CreditRecord.objects.filter(enrolment_id=OuterRef("pk"), credits__gt=0)
    return (
        Enrolment.objects.exclude(submitted_at=None)
        .annotate(has_credits=Exists(credited))
        .values(
            month=Trunc("submitted_at", "month", output_field=DateField()),
            key=F("intake_id"),
            label=F("intake__name"),
            street=Coalesce(F("worker__profile__street"), Value("")),
            occupation=Coalesce(F("worker__profile__occupation"), Value("")),
        )
        .annotate(
            applied=Count("pk"),
            admitted=Count("pk", filter=Q(status__in=Enrolment.SEATED)),
            enrolled=Count("pk", filter=Q(status__in=(Status.ENROLLED, Status.COMPLETED))),
            credited=Count("pk", filter=Q(has_credits=True)),
            completed=Count("pk", filter=Q(status=Status.COMPLETED)),
            withdrawn=Count("pk", filter=Q(status=Status.WITHDRAWN)),
        )
        .order_by()
    )


def resume_url(enrolment: Enrolment) -> str:
    """Where a draft continues: the step after the last one saved."""
    if enrolment.status != Enrolment.Status.DRAFT:
        return reverse("academy:application", args=[enrolment.pk])
    if enrolment.draft_step >= Enrolment.Step.REVIEW:
        return reverse("academy:review", args=[enrolment.pk])
    return reverse("academy:certificate", args=[enrolment.pk])


def home_items(*, user: User) -> list[HomeItem]:
    """For the home page: applications to finish, and decisions of the last two weeks (1 query)."""
    since = timezone.now() - CHANGED_WITHIN
    enrolments = (
        Enrolment.objects.filter(worker=user)
        .filter(Q(status=Status.DRAFT) | Q(decided_at__gte=since))
        .exclude(status=Status.WITHDRAWN)
        .select_related("offering__programme", "intake")
        .order_by("-updated_at")[:10]
    )
    items = []
    for enrolment in enrolments:
        title = _("Application: %(programme)s") % {"programme": enrolment.offering.programme}
        if enrolment.status == Status.DRAFT:
            items.append(
                HomeItem(
                    Group.DRAFT,
                    title,
                    _("Started, not sent yet: everything you filled in is saved."),
                    _("Continue the application"),
                    resume_url(enrolment),
                    enrolment.updated_at,
                )
            )
        else:
            items.append(
                HomeItem(
                    Group.CHANGED,
                    title,
                    _("Now: %(status)s") % {"status": enrolment.get_status_display()},
                    _("See the application"),
                    reverse("academy:application", args=[enrolment.pk]),
                    enrolment.decided_at,
                )
            )
    return items


# Age at submission, in bands a leader reads (the first bound of each band, and its name).
AGE_BANDS = ((0, "under_25"), (25, "25_34"), (35, "35_44"), (45, "45_plus"))


def applicant_rollup() -> QuerySet:
    """Applications per submission month, street, occupation, age band and highest education.

    The age is the applicant's on the day of submission, from the birth date the profile keeps
    (read from the resident ID when it was entered); only the band leaves the database."""
    from django.db.models import Case, CharField, Count, DateField, F, FloatField, Func, Value, When
    from django.db.models.functions import Coalesce, Trunc, TruncDate

    age = Func(
        Func(TruncDate("submitted_at"), F("worker__profile__birth_date"), function="age"),
        template="date_part('year', %(expressions)s)",
        output_field=FloatField(),
    )
    band = Case(
        *(When(age__gte=bound, then=Value(name)) for bound, name in reversed(AGE_BANDS)),
        default=Value(""),
        output_field=CharField(),
    )
    return (
        Enrolment.objects.exclude(submitted_at=None)
        .annotate(age=age)
        .values(
            month=Trunc("submitted_at", "month", output_field=DateField()),
            street=Coalesce(F("worker__profile__street"), Value("")),
            occupation=Coalesce(F("worker__profile__occupation"), Value("")),
            age_band=band,
            education=Coalesce(F("worker__profile__education"), Value("")),
        )
        .annotate(applied=Count("pk"))
        .order_by()
    )
