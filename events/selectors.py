"""Reads of the events app: querysets with their joins and seat counts already made."""

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict, TypeVar

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from accounts.selectors import Viewer
from events.models import CheckIn, ContestResult, Event, Registration
from stations.models import Station
from stations.selectors import can_run

if TYPE_CHECKING:  # django_stubs_ext is a development dependency
    from django_stubs_ext import WithAnnotations

REGISTERED = Registration.Status.REGISTERED


class SeatCounts(TypedDict):
    """The counts `_with_seats` annotates on every event a page lists or shows."""

    seats_taken: int
    waitlist_length: int


_E = TypeVar("_E", bound=Event)


def _with_seats(queryset: QuerySet[Event]) -> "QuerySet[WithAnnotations[Event, SeatCounts]]":
    return queryset.select_related("station").annotate(
        seats_taken=Count("registrations", filter=Q(registrations__status=REGISTERED)),
        waitlist_length=Count(
            "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
        ),
    )


def _with_my_status(queryset: QuerySet[_E], user: Viewer) -> QuerySet[_E]:
    if user is None or not user.is_authenticated:
        return queryset
    mine = Registration.objects.filter(event=OuterRef("pk"), user=user).exclude(
        status=Registration.Status.CANCELLED
    )
    return queryset.annotate(my_status=Subquery(mine.values("status")[:1]))


def events_coming(
    *,
    user: Viewer = None,
    kind: str = "",
    station: Station | None = None,
    search: str = "",
    now: datetime | None = None,
) -> "QuerySet[WithAnnotations[Event, SeatCounts]]":
    """Published events that have not ended yet, soonest first."""
    now = now or timezone.now()
    queryset = Event.objects.filter(status=Event.Status.PUBLISHED, ends_at__gt=now)
    if kind:
        queryset = queryset.filter(kind=kind)
    if station is not None:
        queryset = queryset.filter(station=station)
    if search:
        queryset = queryset.filter(
            Q(title__icontains=search) | Q(place__icontains=search) | Q(station__name__icontains=search)
        )
    return _with_my_status(_with_seats(queryset), user).order_by("starts_at", "id")


def event_get(*, event_id: int, user: Viewer = None) -> "WithAnnotations[Event, SeatCounts]":
    """Any event by id (cancelled and past ones too: links in messages keep working)."""
    return _with_my_status(_with_seats(Event.objects.all()), user).get(pk=event_id)


def registration_of(*, event: Event, user: Viewer) -> Registration | None:
    """The person's live registration (registered or waitlisted) with its check-in, or None."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Registration.objects.filter(event=event, user=user)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("checkin")
        .first()
    )


def waitlist_position(*, registration: Registration) -> int:
    return (
        Registration.objects.filter(
            event_id=registration.event_id,
            status=Registration.Status.WAITLISTED,
        )
        .filter(
            Q(created_at__lt=registration.created_at)
            | Q(created_at=registration.created_at, id__lte=registration.pk)
        )
        .count()
    )


def registrations_of(*, user: User) -> QuerySet[Registration]:
    """My events: live registrations, coming ones first, then the past ones."""
    return (
        Registration.objects.filter(user=user)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("event__station", "checkin")
        .order_by("-event__starts_at", "-id")
    )


def published_results(*, event: Event) -> QuerySet[ContestResult]:
    if event.results_published_at is None:
        return ContestResult.objects.none()
    return event.results.select_related("user").order_by("rank", "id")


def checkin_of(*, event: Event, user: User) -> CheckIn | None:
    return CheckIn.objects.filter(event=event, user=user).first()


def can_show_code(*, event: Event, user: Viewer) -> bool:
    """The venue screen: whoever runs the station (the stations door), and staff holding the events permission."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff and user.has_perm("events.show_checkin_code"):
        return True
    return can_run(user, event.station)


def attendance_counts(*, event: Event) -> dict[str, int]:
    return {
        "registered": event.registrations.filter(status=REGISTERED).count(),
        "checked_in": event.checkins.count(),
    }
