"""Reads of the governance app: querysets with their joins already made."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple, TypedDict, TypeVar, cast

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import get_language

from accounts.models import Street, User
from accounts.selectors import Viewer
from core import public_cache
from governance.geo import degree_box, distance_m, point_in_polygon, polygon_rings
from governance.models import (
    Category,
    Grid,
    GridMember,
    Report,
    ReportPhoto,
    ReportUpdate,
)

if TYPE_CHECKING:  # django_stubs_ext is a development dependency
    from django_stubs_ext import WithAnnotations

NEARBY_METRES = 50
# Statuses shown to the public: a grid admin has looked at the report.
PUBLIC_STATUSES = (Report.Status.ACCEPTED, Report.Status.DISPATCHED, Report.Status.RESOLVED)


def grid_for_point(*, lat: float | Decimal, lng: float | Decimal) -> Grid | None:
    """The active grid whose polygon contains the point (the first by name if grids overlap)."""
    candidates = Grid.objects.filter(
        is_active=True, min_lat__lte=lat, max_lat__gte=lat, min_lng__lte=lng, max_lng__gte=lng
    ).order_by("name")
    for grid in candidates:
        if point_in_polygon(float(lng), float(lat), polygon_rings(grid.area)):
            return grid
    return None


class Place(NamedTuple):
    """Where an Open311 address_id puts a report: a street, and the grid when it names one."""

    street: str
    grid: Grid | None


def place_for_address_id(address_id: str) -> Place | None:
    """The grid (by its name) or street (by its code, or its name in Chinese or English) an Open311
    address_id names; None for anything else (the text stays on the report for staff)."""
    wanted = address_id.strip()
    grid = Grid.objects.filter(is_active=True, name=wanted).first()
    if grid is not None:
        return Place(street=grid.street, grid=grid)
    folded = wanted.casefold()
    for street in Street:
        if street == Street.ELSEWHERE:
            continue
        names = {street.value}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(str(street.label).casefold())
        if folded in names:
            return Place(street=street.value, grid=None)
    return None


def live_memberships(*, user: User, day: date | None = None) -> QuerySet[GridMember]:
    day = day or timezone.localdate()
    return (
        GridMember.objects.filter(user=user, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=day))
        .select_related("grid")
    )


def is_grid_member(*, user: Viewer, day: date | None = None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return live_memberships(user=user, day=day).exists()


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True)


T = TypeVar("T")

# The namespace of core.public_cache for the report categories (governance.signals starts a new
# one when a category changes): Open311's services.json.
CATEGORIES = "grid-categories"


def active_categories_cached(key: str, represent: Callable[[Category], T]) -> list[T]:
    """`represent` of each active category, as of the categories' last change (per language, as a
    category's name is)."""
    return public_cache.cached(
        CATEGORIES,
        f"{key}:{get_language()}",
        lambda: [represent(category) for category in active_categories()],
    )


def _with_photos(queryset: QuerySet[Report]) -> QuerySet[Report]:
    return queryset.select_related("category", "grid").prefetch_related(
        Prefetch("photos", queryset=ReportPhoto.objects.order_by("id"))
    )


def reports_of(*, user: User) -> QuerySet[Report]:
    return _with_photos(Report.objects.filter(reporter=user))


def report_for_reporter(*, user: User, report_id: int) -> Report:
    """The worker's own report; another's id raises DoesNotExist exactly like a missing one."""
    return (
        _with_photos(Report.objects.filter(reporter=user))
        .prefetch_related(Prefetch("updates", queryset=ReportUpdate.objects.order_by("created_at", "id")))
        .get(pk=report_id)
    )


class Distance(TypedDict):
    """What nearby_open_reports adds to each report it finds."""

    distance_m: float


def nearby_open_reports(
    *, category: Category, lat: float, lng: float, radius_m: float = NEARBY_METRES
) -> "list[WithAnnotations[Report, Distance]]":
    """Open reports of this category within `radius_m`, nearest first, each with `.distance_m`."""
    dlat, dlng = degree_box(lat, radius_m)
    candidates = Report.objects.filter(
        category=category,
        status__in=Report.OPEN_STATUSES,
        lat__gte=lat - dlat,
        lat__lte=lat + dlat,
        lng__gte=lng - dlng,
        lng__lte=lng + dlng,
    ).select_related("category")
    found = []
    for candidate in candidates:
        assert candidate.lat is not None and candidate.lng is not None  # the range filters exclude NULL
        report = cast("WithAnnotations[Report, Distance]", candidate)  # it gets its distance_m here
        report.distance_m = distance_m(lat, lng, float(candidate.lat), float(candidate.lng))
        if report.distance_m <= radius_m:
            found.append(report)
    return sorted(found, key=lambda report: report.distance_m)


def public_reports() -> QuerySet[Report]:
    return _with_photos(Report.objects.filter(category__is_public=True, status__in=PUBLIC_STATUSES)).order_by(
        "-created_at", "-id"
    )


def is_public(report: Report) -> bool:
    return report.category.is_public and report.status in PUBLIC_STATUSES


def photo_visible_to(*, photo: ReportPhoto, user: Viewer) -> bool:
    report = photo.report
    if is_public(report):
        return True
    if user is None or not user.is_authenticated:
        return False
    return report.reporter_id == user.pk or (user.is_staff and user.has_perm("governance.view_report"))


def triage_queue() -> QuerySet[Report]:
    return Report.objects.select_related("category", "grid", "reporter", "api_key")


def open311_requests() -> QuerySet[Report]:
    return Report.objects.select_related("category").prefetch_related(
        Prefetch("photos", queryset=ReportPhoto.objects.filter(kind=ReportPhoto.Kind.PROBLEM).order_by("id")),
        Prefetch("updates", queryset=ReportUpdate.objects.order_by("-created_at", "-id")),
    )


# --- The district dashboard's rollup (dashboard.actions reads these, never the tables) ----------


def report_rollup() -> QuerySet:
    """Street reports per month, grid, category and street: how many, resolved, how long, reopened."""
    from django.db.models import Count, DateField, DurationField, ExpressionWrapper, F, Sum, Value
    from django.db.models.functions import Coalesce, Trunc

    resolved = Q(status=Report.Status.RESOLVED, resolved_at__isnull=False)
    return (
        Report.objects.annotate(
            to_resolution=ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
        )
        .values(
            "street",
            month=Trunc("created_at", "month", output_field=DateField()),
            grid_key=Coalesce(F("grid_id"), Value(0)),
            grid_label=Coalesce(F("grid__name"), Value("")),
            category_key=F("category__code"),
            category_label=F("category__name_zh"),
            category_label_en=F("category__name_en"),
        )
        .annotate(
            reports=Count("pk"),
            resolved=Count("pk", filter=resolved),
            resolution_time=Sum("to_resolution", filter=resolved),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        )
        .order_by()
    )


def grids_for_map() -> QuerySet[Grid]:
    """The active grids' polygons, for the dashboard's choropleth."""
    return Grid.objects.filter(is_active=True).only("pk", "name", "street", "area").order_by("pk")


# About 220 m north-south and 190 m east-west in Hangzhou: "the same place" for a street report.
HOTSPOT_CELLS_PER_DEGREE = 500


def report_hotspot_rollup() -> QuerySet:
    """Reports of one category in one small square of the map (1/500 of a degree a side) in one
    month, where there were at least two: the problems that keep coming back at the same place.
    The key is the category and the square (its row and column of the map), so every month of
    the same problem at the same place adds up; the label names the category and the grid."""
    from django.db.models import CharField, Count, DateField, F, IntegerField, Max, Value
    from django.db.models.functions import Cast, Coalesce, Concat, Round, Trunc

    def cell(field: str) -> Cast:
        return Cast(Round(F(field) * HOTSPOT_CELLS_PER_DEGREE), IntegerField())

    return (
        Report.objects.filter(lat__isnull=False, lng__isnull=False)
        .annotate(row=cell("lat"), column=cell("lng"))
        .values(
            "street",
            month=Trunc("created_at", "month", output_field=DateField()),
            key=Concat(
                F("category__code"),
                Value("@"),
                Cast("row", CharField()),
                Value(":"),
                Cast("column", CharField()),
                output_field=CharField(),
            ),
            category_label=F("category__name_zh"),
            category_label_en=F("category__name_en"),
        )
        .annotate(reports=Count("pk"), grid_label=Coalesce(Max("grid__name"), Value("")))
        .filter(reports__gte=2)
        .order_by()
    )
