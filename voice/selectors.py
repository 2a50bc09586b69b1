"""Reads of 随手帮 and 随口说: who may read what, with the joins made."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, TextChoices
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from accounts.selectors import Viewer
from governance.models import Report
from governance.selectors import live_memberships
from voice.models import HelpDeed, HelpRequest, Opinion


def open_requests_for(*, user: User) -> QuerySet[HelpRequest]:
    """Open requests of the grids the member belongs to whose window is not over, soonest first."""
    grids = live_memberships(user=user).values("grid_id")
    return (
        HelpRequest.objects.filter(grid__in=grids, status=HelpRequest.Status.OPEN, ends_at__gt=timezone.now())
        .select_related("grid")
        .order_by("starts_at", "id")
    )


def requests_taken_by(*, user: User) -> QuerySet[HelpRequest]:
    return HelpRequest.objects.filter(taken_by=user).select_related("grid").order_by("-taken_at", "-id")


def request_for(*, user: Viewer, request_id: int) -> HelpRequest:
    """A request its taker reads, or an open one of the member's grids; DoesNotExist for any other."""
    if user is None or not user.is_authenticated:
        raise HelpRequest.DoesNotExist
    grids = live_memberships(user=user).values("grid_id")
    return (
        HelpRequest.objects.select_related("grid")
        .filter(Q(taken_by=user) | Q(grid__in=grids, status=HelpRequest.Status.OPEN))
        .get(pk=request_id)
    )


def recipient_visible_to(*, request: HelpRequest, user: Viewer) -> bool:
    """The person's details: only to the member who took it, while it is taken (then erased)."""
    return (
        user is not None
        and user.is_authenticated
        and request.status == HelpRequest.Status.TAKEN
        and request.taken_by_id == user.pk
    )


def deeds_of(*, user: User) -> QuerySet[HelpDeed]:
    return HelpDeed.objects.filter(worker=user).order_by("-created_at", "-id")


def opinions_of(*, user: User) -> QuerySet[Opinion]:
    return Opinion.objects.filter(worker=user).order_by("-created_at", "-id")


def deed_photo_visible_to(*, deed: HelpDeed, user: Viewer) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return deed.worker_id == user.pk or user.has_perm("voice.view_helpdeed")


def audio_audible_to(*, opinion: Opinion, user: Viewer) -> bool:
    if user is None or not user.is_authenticated or not opinion.audio:
        return False
    return opinion.worker_id == user.pk or user.has_perm("voice.view_opinion")


def verification_queue() -> QuerySet[HelpDeed]:
    return HelpDeed.objects.select_related("worker")


def request_queue() -> QuerySet[HelpRequest]:
    return HelpRequest.objects.select_related("grid", "posted_by", "taken_by")


def opinion_queue() -> QuerySet[Opinion]:
    return Opinion.objects.select_related("worker", "station")


def _month_start() -> datetime:
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class MonthSummary:
    reports_filed: int
    reports_resolved: int
    help_recorded: int
    help_verified: int
    requests_confirmed: int
    opinions_sent: int
    opinions_adopted: int


def _count(rows: QuerySet, by: str) -> Coalesce:
    """The number of `rows` of the user in one scalar subquery (0 when there are none)."""
    counted = rows.filter(**{by: OuterRef("pk")}).order_by().values(by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def month_summary(*, user: User) -> MonthSummary:
    """The grid member's monthly summary: 随手报 filed and resolved, 随手帮 and 随口说 this month, in
    one query (the grid page and /grid/voice/ both show it: voice/templatetags/voice.py)."""
    since = _month_start()
    reports = Report.objects.filter(created_at__gte=since)
    deeds = HelpDeed.objects.filter(created_at__gte=since)
    opinions = Opinion.objects.filter(created_at__gte=since)
    counts = {
        "reports_filed": _count(reports, "reporter"),
        "reports_resolved": _count(reports.filter(status=Report.Status.RESOLVED), "reporter"),
        "help_recorded": _count(deeds, "worker"),
        "help_verified": _count(deeds.filter(status=HelpDeed.Status.VERIFIED), "worker"),
        "requests_confirmed": _count(
            HelpRequest.objects.filter(status=HelpRequest.Status.CONFIRMED, confirmed_at__gte=since),
            "taken_by",
        ),
        "opinions_sent": _count(opinions, "worker"),
        "opinions_adopted": _count(opinions.filter(status=Opinion.Status.ADOPTED), "worker"),
    }
    row = User.objects.filter(pk=user.pk).annotate(**counts).values(*counts).get()
    return MonthSummary(**row)


@dataclass(frozen=True)
class StaffCounts:
    help_waiting: int
    requests_open: int
    requests_to_confirm: int
    opinions_waiting: int
    opinions_to_answer: int
    help_verified_this_month: int
    requests_confirmed_this_month: int
    opinions_adopted_this_month: int


def staff_counts() -> StaffCounts:
    """The staff's counts of what waits for them and what was done this month: three queries."""
    since = _month_start()
    deeds = HelpDeed.objects.aggregate(
        waiting=Count("pk", filter=Q(status=HelpDeed.Status.SUBMITTED)),
        verified=Count("pk", filter=Q(status=HelpDeed.Status.VERIFIED, decided_at__gte=since)),
    )
    requests = HelpRequest.objects.aggregate(
        open=Count("pk", filter=Q(status=HelpRequest.Status.OPEN, ends_at__gt=timezone.now())),
        to_confirm=Count("pk", filter=Q(status=HelpRequest.Status.DONE)),
        confirmed=Count("pk", filter=Q(status=HelpRequest.Status.CONFIRMED, confirmed_at__gte=since)),
    )
    opinions = Opinion.objects.aggregate(
        waiting=Count("pk", filter=Q(status=Opinion.Status.SUBMITTED)),
        to_answer=Count("pk", filter=Q(status=Opinion.Status.ROUTED)),
        adopted=Count("pk", filter=Q(status=Opinion.Status.ADOPTED, answered_at__gte=since)),
    )
    return StaffCounts(
        help_waiting=deeds["waiting"],
        requests_open=requests["open"],
        requests_to_confirm=requests["to_confirm"],
        opinions_waiting=opinions["waiting"],
        opinions_to_answer=opinions["to_answer"],
        help_verified_this_month=deeds["verified"],
        requests_confirmed_this_month=requests["confirmed"],
        opinions_adopted_this_month=opinions["adopted"],
    )


# --- The district dashboard's rollup (dashboard.actions reads these, never the tables) ----------


def _labelled(rows: list[dict], choices: type[TextChoices]) -> list[dict]:
    """Each row's key named in Chinese and in English, as the dashboard stores both."""
    from django.utils import translation

    names = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names[language] = {value: str(label) for value, label in choices.choices}
    for row in rows:
        row["label"] = names["zh-hans"].get(row["key"], "")
        row["label_en"] = names["en"].get(row["key"], "")
    return rows


def opinion_rollup() -> list[dict]:
    """随口说 per month received, topic and the street of the grid member who passed it on."""
    from django.db.models import DateField, F, Value
    from django.db.models.functions import Coalesce, Trunc

    Status = Opinion.Status
    rows = (
        Opinion.objects.values(
            month=Trunc("created_at", "month", output_field=DateField()),
            key=F("topic"),
            street=Coalesce(F("worker__profile__street"), Value("")),
        )
        .annotate(
            opinions=Count("pk"),
            routed=Count("pk", filter=~Q(status=Status.SUBMITTED)),
            answered=Count("pk", filter=Q(status__in=(Status.ANSWERED, Status.ADOPTED))),
            adopted=Count("pk", filter=Q(status=Status.ADOPTED)),
        )
        .order_by()
    )
    return _labelled(list(rows), Opinion.Topic)


def help_deed_rollup() -> QuerySet:
    """随手帮 deeds per month recorded and street of the grid member: recorded, verified."""
    from django.db.models import DateField, F, Value
    from django.db.models.functions import Coalesce, Trunc

    return (
        HelpDeed.objects.values(
            month=Trunc("created_at", "month", output_field=DateField()),
            street=Coalesce(F("worker__profile__street"), Value("")),
        )
        .annotate(deeds=Count("pk"), verified=Count("pk", filter=Q(status=HelpDeed.Status.VERIFIED)))
        .order_by()
    )


def help_request_rollup() -> QuerySet:
    """随手帮 requests per month posted and street of their grid: posted, done (and confirmed)."""
    from django.db.models import DateField, F
    from django.db.models.functions import Trunc

    done = (HelpRequest.Status.DONE, HelpRequest.Status.CONFIRMED)
    return (
        HelpRequest.objects.values(
            month=Trunc("created_at", "month", output_field=DateField()), street=F("grid__street")
        )
        .annotate(requests=Count("pk"), done=Count("pk", filter=Q(status__in=done)))
        .order_by()
    )
