"""Reads of the services app: querysets with their joins already made."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import public_cache
from core.home import CHANGED_WITHIN, Group, HomeItem
from core.timeline import Family, TimelineStep
from services import geo, hours
from services.models import (
    Organization,
    Scenario,
    ScheduleException,
    Service,
    ServiceAtPoint,
    ServicePoint,
    ServiceRequest,
)

NEAR_ME_LIMIT = 30
OPEN_NOW_CANDIDATES = 200


def scenarios_active() -> QuerySet[Scenario]:
    return Scenario.objects.filter(is_active=True).order_by("order", "id")


# The namespace of core.public_cache for the public catalogue: scenarios, organisations, points,
# services, their links and opening hours (services.signals starts a new one on every change).
CATALOGUE = "services-catalogue"


def scenarios_active_listed() -> list[Scenario]:
    """scenarios_active() as of the catalogue's last change: the tiles on the home page."""
    return public_cache.cached(CATALOGUE, "scenarios-active", lambda: list(scenarios_active()))


def scenario_with_services(*, code: str) -> Scenario:
    services = (
        Service.objects.filter(status=Service.Status.ACTIVE)
        .select_related("organization")
        .annotate(point_count=Count("points", filter=Q(points__is_active=True)))
        .order_by("name")
    )
    return (
        scenarios_active()
        .prefetch_related(Prefetch("services", queryset=services, to_attr="active_services"))
        .get(code=code)
    )


def _exceptions_around(today: dt.date) -> Prefetch:
    # Yesterday (overnight tails) to a week ahead: what open_state and the week table read.
    window = ScheduleException.objects.filter(
        date__gte=today - dt.timedelta(days=1), date__lte=today + dt.timedelta(days=8)
    )
    return Prefetch("exceptions", queryset=window, to_attr="exceptions_window")


def points_near(
    *,
    lat: float,
    lng: float,
    radius_km: float,
    amenity: str = "",
    scenario: Scenario | None = None,
    limit: int = NEAR_ME_LIMIT,
) -> QuerySet[ServicePoint]:
    """Active points within radius_km, nearest first, annotated with `distance_km`.

    Three queries whatever the number of points: the points, their weekly
    hours, their dated exceptions around today.
    """
    box = geo.bounding_box(lat, lng, radius_km)
    points = ServicePoint.objects.filter(
        is_active=True,
        latitude__range=(box.min_lat, box.max_lat),
        longitude__range=(box.min_lng, box.max_lng),
    )
    if amenity:
        points = points.filter(amenities__contains=[amenity])
    if scenario is not None:
        points = points.filter(
            Exists(
                ServiceAtPoint.objects.filter(
                    point=OuterRef("pk"), service__scenario=scenario, service__status=Service.Status.ACTIVE
                )
            )
        )
    return (
        points.annotate(distance_km=geo.distance_expression(lat, lng))
        .filter(distance_km__lte=radius_km)
        .order_by("distance_km", "id")
        .prefetch_related("schedules", _exceptions_around(timezone.localdate()))[:limit]
    )


def point_detail(*, point_uuid: uuid.UUID | str) -> ServicePoint:
    services = (
        Service.objects.filter(status=Service.Status.ACTIVE)
        .select_related("scenario")
        .order_by("scenario__order", "name")
    )
    return (
        ServicePoint.objects.filter(is_active=True)
        .select_related("organization")
        .prefetch_related(
            "schedules",
            _exceptions_around(timezone.localdate()),
            Prefetch("services", queryset=services, to_attr="active_services"),
        )
        .get(uuid=point_uuid)
    )


def _weekly(point: ServicePoint) -> list[hours.WeeklySpan]:
    return [hours.WeeklySpan(s.weekday, s.opens_at, s.closes_at) for s in point.schedules.all()]


def _dated(point: ServicePoint) -> list[hours.DatedException]:
    rows = getattr(point, "exceptions_window", None)
    if rows is None:
        rows = point.exceptions.all()
    return [hours.DatedException(e.date, e.closed, e.opens_at, e.closes_at, e.note) for e in rows]


def point_open_state(point: ServicePoint, at: dt.datetime | None = None) -> hours.OpenState:
    return hours.open_state(at or timezone.now(), _weekly(point), _dated(point))


def point_week(point: ServicePoint, today: dt.date | None = None) -> list[dict]:
    return hours.week_table(today or timezone.localdate(), _weekly(point), _dated(point))


# --- Service requests -------------------------------------------------------------------


def requests_for_worker(*, user: User) -> QuerySet[ServiceRequest]:
    return ServiceRequest.objects.filter(worker=user).select_related("service")


def request_get_for_worker(*, user: User, request_id: int) -> ServiceRequest:
    """Another worker's request is missing, exactly like one that does not exist."""
    return requests_for_worker(user=user).prefetch_related("photos").get(pk=request_id)


def subtract_working_days(moment: dt.datetime, days: int) -> dt.datetime:
    """Go back `days` working days (Monday to Friday) from `moment`, keeping the time of day."""
    local = moment.astimezone(hours.SHANGHAI)
    counted = 0
    while counted < days:
        local -= dt.timedelta(days=1)
        if local.weekday() < 5:
            counted += 1
    return local


def overdue_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return subtract_working_days(now or timezone.now(), settings.SERVICES_OVERDUE_WORKING_DAYS)


def requests_overdue(
    queryset: QuerySet[ServiceRequest] | None = None, now: dt.datetime | None = None
) -> QuerySet[ServiceRequest]:
    """Requests nobody has taken on within the configured number of working days."""
    queryset = ServiceRequest.objects.all() if queryset is None else queryset
    return queryset.filter(status=ServiceRequest.Status.NEW, created_at__lt=overdue_cutoff(now))


def request_is_overdue(service_request: ServiceRequest, now: dt.datetime | None = None) -> bool:
    return (
        service_request.status == ServiceRequest.Status.NEW
        and service_request.created_at < overdue_cutoff(now)
    )


# Keyed by str: the status field reads back as a plain str.
STATUS_FAMILY: dict[str, Family] = {
    ServiceRequest.Status.NEW: Family.WAITING,
    ServiceRequest.Status.ASSIGNED: Family.PROGRESS,
    ServiceRequest.Status.IN_PROGRESS: Family.PROGRESS,
    ServiceRequest.Status.RESOLVED: Family.DONE,
    ServiceRequest.Status.CLOSED: Family.DONE,
}


def request_timeline(service_request: ServiceRequest) -> tuple[list[TimelineStep], str]:
    """The steps the worker sees (roles, never staff names) and what happens next, in plain words."""
    r = service_request
    staff = _("Service staff")
    steps = [TimelineStep(_("Request submitted"), r.created_at, Family.DONE, _("You"))]
    closed_early = r.status == ServiceRequest.Status.CLOSED and r.resolved_at is None
    if not closed_early or r.assigned_at:
        steps.append(TimelineStep(_("Taken on by service staff"), r.assigned_at, Family.PROGRESS, staff))
    if not closed_early or r.started_at:
        steps.append(TimelineStep(_("Being handled"), r.started_at, Family.PROGRESS, staff))
    if not closed_early:
        steps.append(
            TimelineStep(_("Resolved"), r.resolved_at, Family.DONE, staff, r.reply if r.resolved_at else "")
        )
    if r.closed_at:
        note = r.reply if closed_early else ""
        steps.append(
            TimelineStep(
                _("Closed"), r.closed_at, Family.REFUSED if closed_early else Family.DONE, staff, note
            )
        )
    next_steps: dict[str, str] = {
        ServiceRequest.Status.NEW: _(
            "Service staff will take on your request, usually within two working days."
        ),
        ServiceRequest.Status.ASSIGNED: _("Service staff will contact you at the time you prefer."),
        ServiceRequest.Status.IN_PROGRESS: _("Service staff are working on it and will reply here."),
        ServiceRequest.Status.RESOLVED: _("Please rate the help you got."),
    }
    next_step = next_steps.get(r.status, "")
    if r.status in (ServiceRequest.Status.RESOLVED, ServiceRequest.Status.CLOSED) and r.rating:
        next_step = ""
    elif r.status == ServiceRequest.Status.CLOSED and r.resolved_at:
        next_step = _("Please rate the help you got.")
    return steps, next_step


def request_can_be_rated(service_request: ServiceRequest) -> bool:
    return service_request.resolved_at is not None and service_request.rating is None


def home_items(*, user: User) -> list[HomeItem]:
    """For the home page: help to rate, and requests whose status moved lately (1 query)."""
    since = timezone.now() - CHANGED_WITHIN
    Status = ServiceRequest.Status
    requests = (
        ServiceRequest.objects.filter(worker=user)
        .filter(Q(resolved_at__isnull=False, rating__isnull=True) | Q(updated_at__gte=since))
        .exclude(status=Status.NEW)
        .order_by("-updated_at")[:10]
    )
    items = []
    for service_request in requests:
        title = _("Request #%(id)s: %(kind)s") % {
            "id": service_request.pk,
            "kind": service_request.get_kind_display(),
        }
        if request_can_be_rated(service_request):
            items.append(
                HomeItem(
                    Group.WAITING,
                    title,
                    _("Resolved: how was the help you got?"),
                    _("Rate the help"),
                    reverse("services:request_detail", args=[service_request.pk]) + "#rate",
                    service_request.resolved_at,
                )
            )
        else:
            items.append(
                HomeItem(
                    Group.CHANGED,
                    title,
                    _("Now: %(status)s") % {"status": service_request.get_status_display()},
                    _("See the request"),
                    reverse("services:request_detail", args=[service_request.pk]),
                    service_request.updated_at,
                )
            )
    return items


# --- HSDS API reads ----------------------------------------------------------------------


def hsds_services() -> QuerySet[Service]:
    return Service.objects.select_related("organization", "scenario").order_by("id")


def hsds_service_places() -> Prefetch:
    """A service's places as HSDS nests them: each with its organisation, hours and exceptions."""
    at_points = ServiceAtPoint.objects.select_related("point__organization").prefetch_related(
        "point__schedules", "point__exceptions"
    )
    return Prefetch("at_points", queryset=at_points)


def hsds_service_detail() -> QuerySet[Service]:
    return hsds_services().prefetch_related(hsds_service_places())


def hsds_organizations() -> QuerySet[Organization]:
    return Organization.objects.order_by("id")


def hsds_service_at_locations() -> QuerySet[ServiceAtPoint]:
    return (
        ServiceAtPoint.objects.select_related("service__organization", "point__organization")
        .prefetch_related("point__schedules", "point__exceptions")
        .order_by("id")
    )


# --- The district dashboard's rollup (dashboard.actions reads these, never the tables) ----------


class WorkdayNumber(Func):
    """The number of working days (Monday to Friday) from Monday 3 January 2000 up to a date, so
    that the working days after day a up to day b are number(b) - number(a): a request made on a
    Saturday and answered on Monday waited one working day, one answered the same day none.

    The project has no public-holiday calendar (service points' dated exceptions are their own
    opening hours, not the district's working days), so only weekends are skipped, as in
    `subtract_working_days`."""

    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, tuple]:  # type: ignore[override]
        sql, params = compiler.compile(self.source_expressions[0])
        days = f"({sql} - DATE '2000-01-03')"
        # The date appears twice, so its parameters (the time zone) do too.
        return f"(5 * div({days}, 7) + least(mod({days}, 7) + 1, 5))", (*params, *params)


def _working_days(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(
        WorkdayNumber(TruncDate(end, tzinfo=hours.SHANGHAI))
        - WorkdayNumber(TruncDate(start, tzinfo=hours.SHANGHAI)),
        output_field=IntegerField(),
    )


def request_rollup(*, where: Q | None = None) -> list[dict]:
    """Service requests per month, scenario (or kind, without a service), street and occupation:
    how many, how long to the first response (assignment) and to resolution, in hours and in
    working days, how many were first answered within the target (settings.
    SERVICES_OVERDUE_WORKING_DAYS working days after the day they were made), the ratings."""
    from django.db.models import DateField, DurationField, F, Sum, Value
    from django.db.models.functions import Coalesce, Trunc
    from django.utils import translation

    target = settings.SERVICES_OVERDUE_WORKING_DAYS
    rows = list(
        ServiceRequest.objects.annotate(
            to_response=ExpressionWrapper(F("assigned_at") - F("created_at"), output_field=DurationField()),
            to_resolution=ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField()),
            response_days=_working_days("created_at", "assigned_at"),
            resolution_days=_working_days("created_at", "resolved_at"),
        )
        .filter(where or Q())
        .values(
            "kind",
            month=Trunc("created_at", "month", output_field=DateField()),
            key=Coalesce(F("service__scenario__code"), Value("")),
            label=Coalesce(F("service__scenario__name_zh"), Value("")),
            label_en=Coalesce(F("service__scenario__name_en"), Value("")),
            street=Coalesce(F("worker__profile__street"), Value("")),
            occupation=Coalesce(F("worker__profile__occupation"), Value("")),
        )
        .annotate(
            requests=Count("pk"),
            responded=Count("pk", filter=Q(assigned_at__isnull=False)),
            response_time=Sum("to_response"),
            response_workdays=Sum("response_days"),
            in_target=Count("pk", filter=Q(assigned_at__isnull=False, response_days__lte=target)),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            resolution_time=Sum("to_resolution"),
            resolution_workdays=Sum("resolution_days"),
            rated=Count("pk", filter=Q(rating__isnull=False)),
            rating_sum=Sum("rating"),
        )
        .order_by()
    )
    kinds = dict(ServiceRequest.Kind.choices)
    for row in rows:
        kind = row.pop("kind")
        if not row["key"]:
            # A request without a service: its kind stands in for the scenario.
            row["key"] = f"kind:{kind}"
            with translation.override("zh-hans"):
                row["label"] = str(kinds[kind])
            with translation.override("en"):
                row["label_en"] = str(kinds[kind])
    return rows
