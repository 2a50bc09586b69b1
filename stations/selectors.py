"""Reads of the stations app: the station scope door, the one place that knows who runs a station."""

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet

from accounts.models import User
from stations.models import Station

_M = TypeVar("_M", bound=Model)

# --- The door: who runs which station ---------------------------------------------------------
# The only place that knows it. Admin (stations.admin_scope.StationScopedAdmin), the actions and
# the pages of deliberation, events, volunteering, rewards and the points ledger all ask here.

RUN_EVERY_STATION = "stations.manage_all_stations"


def runs_every_station(user: User | AnonymousUser) -> bool:
    """District staff (the dedicated permission) and superusers run every station.

    Station staff (the group "驿站管理员 station staff") do not have the permission: they run
    the stations where they are the lead or one of the staff.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
        return False
    return user.has_perm(RUN_EVERY_STATION)


def stations_run_by(user: User | AnonymousUser) -> QuerySet[Station]:
    """The stations `user` runs, usable as a subquery (`station__in=...`) and free of duplicates.

    The staff list is read through its own subquery, not a join, so a person both lead and
    staff of a station counts it once.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Station.objects.none()
    if runs_every_station(user):
        return Station.objects.all()
    staffed = Station.staff.through.objects.filter(user_id=user.pk).values("station_id")
    return Station.objects.filter(Q(lead_id=user.pk) | Q(pk__in=staffed))


def can_run(user: User | AnonymousUser, station: Station | None) -> bool:
    """The station's lead or staff, or district staff. A row without a station is district work."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if runs_every_station(user):
        return True
    return station is not None and station.is_run_by(user)


def in_station_scope(
    queryset: QuerySet[_M], *, user: User | AnonymousUser, station_path: str
) -> QuerySet[_M]:
    """The rows of `queryset` whose station (reached through `station_path`) `user` runs.

    District staff get the queryset as it is (also rows without a station); everyone else
    the rows of their stations, through a subquery so that no row is doubled.
    """
    if runs_every_station(user):
        return queryset
    return queryset.filter(**{f"{station_path}__in": stations_run_by(user).values("pk")})
