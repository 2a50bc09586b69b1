"""Reads of the delivery map: search, near me, the site page, the review queue."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Avg, Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.geo import haversine_km
from delivery.models import (
    Building,
    Correction,
    DropPoint,
    Gate,
    Lift,
    Parking,
    Site,
    SiteChange,
    SiteNote,
    SiteRating,
    UnitEntrance,
)
from delivery.refs import BuildingRef, split_query
from services import geo
from stations.models import Station

SEARCH_LIMIT = 20
NEAR_LIMIT = 30
CHANGES_SHOWN = 10
# Pieces of this many characters are what the trigram index answers: a LIKE on three characters
# is exactly one trigram, so each piece is one index lookup and a typo spoils only its pieces.
PIECE = 3


def search_pieces(text: str) -> list[str]:
    """The overlapping three-character pieces of each word ("紫金港小区" → 紫金港, 金港小, 港小区)."""
    pieces: list[str] = []
    for word in text.lower().split():
        if len(word) <= PIECE:
            pieces.append(word)
        else:
            pieces.extend(word[i : i + PIECE] for i in range(len(word) - PIECE + 1))
    return list(dict.fromkeys(pieces))


@dataclass
class SearchResult:
    text: str
    ref: BuildingRef | None
    sites: list[Site]


def _buildings_asked(ref: BuildingRef | None) -> Prefetch:
    buildings = Building.objects.filter(is_active=True)
    buildings = buildings.filter(number=ref.number) if ref else buildings.none()
    return Prefetch("buildings", queryset=buildings, to_attr="buildings_asked")


def site_search(*, query: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Sites whose name, aliases or address hold the words typed, best first; two queries.

    A site matches when any piece matches (tolerant of a missing or wrong character); it ranks by
    whether the whole text is in it, then by how many pieces are. The building asked for
    ("3幢2单元") is looked up among the found sites in one more query.
    """
    text, ref = split_query(query)
    if not search_pieces(text):
        return SearchResult(text, ref, [])
    return SearchResult(text, ref, list(sites_matching(text=text, ref=ref, limit=limit)))


def _piece_lookup(piece: str) -> Q:
    # A two-character piece is a member of search_bigrams exactly when it is in search_text.
    if len(piece) == 2:
        return Q(search_bigrams__contains=[piece])
    return Q(search_text__contains=piece)


def sites_matching(*, text: str, ref: BuildingRef | None = None, limit: int = SEARCH_LIMIT) -> QuerySet[Site]:
    """The ranked query of site_search for the place words `text` (at least one piece)."""
    pieces = search_pieces(text)
    whole = text.lower()
    hits: Any = Value(0)
    for piece in pieces:
        hits = hits + Case(When(search_text__contains=piece, then=Value(1)), default=Value(0))
    # Pieces with a digit ("88号", "路18") are in a great many addresses: they rank, but only the
    # others pick candidates from the index, unless there are no others.
    selective = [p for p in pieces if not any(c.isdigit() for c in p)] or pieces
    return (
        Site.objects.filter(is_active=True)
        .filter(reduce(or_, [_piece_lookup(p) for p in selective]))
        .annotate(
            whole=Case(When(search_text__contains=whole, then=Value(1)), default=Value(0)),
            hits=Coalesce(hits, 0, output_field=IntegerField()),
        )
        # At least a third of the pieces: "小区" alone in a long query does not make a match.
        .filter(hits__gte=max(1, len(pieces) // 3))
        .order_by("-whole", "-hits", "name", "id")
        .prefetch_related(_buildings_asked(ref))[:limit]
    )


def sites_near(*, lat: float, lng: float, radius_km: float, limit: int = NEAR_LIMIT) -> QuerySet[Site]:
    """Active sites within radius_km, nearest first, annotated with `distance_km`: one query."""
    box = geo.bounding_box(lat, lng, radius_km)
    return (
        Site.objects.filter(
            is_active=True,
            latitude__range=(box.min_lat, box.max_lat),
            longitude__range=(box.min_lng, box.max_lng),
        )
        .annotate(distance_km=geo.distance_expression(lat, lng))
        .filter(distance_km__lte=radius_km)
        .order_by("distance_km", "id")[:limit]
    )


def site_detail(*, site_uuid: uuid.UUID | str) -> Site:
    """One site with every part it shows: seven queries whatever its size."""
    units = UnitEntrance.objects.order_by("number")
    lifts = Lift.objects.select_related("unit").order_by("unit__number", "kind", "id")
    buildings = (
        Building.objects.filter(is_active=True)
        .order_by("number", "id")
        .prefetch_related(Prefetch("units", queryset=units), Prefetch("lifts", queryset=lifts))
    )
    return (
        Site.objects.filter(is_active=True)
        .prefetch_related(
            Prefetch("gates", queryset=Gate.objects.order_by("-is_active", "name", "id")),
            Prefetch("parkings", queryset=Parking.objects.filter(is_active=True)),
            Prefetch("drop_points", queryset=DropPoint.objects.filter(is_active=True)),
            Prefetch("buildings", queryset=buildings),
            Prefetch("notes", queryset=SiteNote.objects.filter(is_active=True)),
            Prefetch(
                "changes",
                queryset=SiteChange.objects.order_by("-created_at", "-id"),
                to_attr="all_changes",
            ),
        )
        .get(uuid=site_uuid)
    )


RATING_MONTHS = 12


def site_ratings(site: Site) -> dict:
    """The last twelve months' access ratings of a site: averages and how many, in one query."""
    since = (timezone.localdate().replace(day=1) - dt.timedelta(days=RATING_MONTHS * 31)).replace(day=1)
    return SiteRating.objects.filter(site=site, month__gte=since).aggregate(
        count=Count("id"),
        entering=Avg("entering"),
        parking=Avg("parking"),
        finding=Avg("finding"),
        lifts=Avg("lifts"),
    )


# A site whose riders rate any part of its access below this, over at least MIN_RATINGS ratings,
# is offered as a deliberation topic at the nearest courier station.
LOW_RATING = 2.5
MIN_RATINGS = 3
ASPECTS = {
    "entering": _("getting in"),
    "parking": _("parking"),
    "finding": _("finding the building"),
    "lifts": _("getting upstairs"),
}


def access_is_low(ratings: dict) -> bool:
    return ratings["count"] >= MIN_RATINGS and any(
        ratings[aspect] is not None and ratings[aspect] < LOW_RATING for aspect in ASPECTS
    )


def nearest_station(site: Site) -> Station | None:
    """The nearest open courier station (its service point's coordinates): one query."""
    distance = geo.distance_expression(
        site.latitude,
        site.longitude,
        lat_field="service_point__latitude",
        lng_field="service_point__longitude",
    )
    return (
        Station.objects.filter(is_active=True, service_point__is_active=True)
        .annotate(distance_km=distance)
        .order_by("distance_km", "id")
        .first()
    )


def site_for_topic(raw: str | None) -> Site | None:
    try:
        return Site.objects.filter(is_active=True, uuid=uuid.UUID(str(raw or ""))).first()
    except ValueError:
        return None


def topic_draft(site: Site) -> dict[str, str]:
    """The topic a rider raises with one tap: the site and its low ratings, in plain words."""
    ratings = site_ratings(site)
    low = [
        f"{label}{ratings[aspect]:.1f}"
        for aspect, label in ASPECTS.items()
        if ratings[aspect] is not None and ratings[aspect] < LOW_RATING
    ]
    return {
        "title": str(_("Riders cannot get their work done at %(site)s") % {"site": site.name})[:80],
        "description": str(
            _(
                "Riders rate the access of %(site)s (%(address)s) low: %(low)s out of 5, over %(count)s "
                "ratings in the last twelve months. We ask the property management to talk with us."
            )
            % {"site": site.name, "address": site.address, "low": "、".join(low), "count": ratings["count"]}
        ),
    }


def best_gate(site: Site, building: Building | None, at: dt.datetime) -> Gate | None:
    """The gate to head for: the building's own best gate if riders may use it and it is open,
    else the nearest open gate for riders (e-bike ones first), else the nearest for riders at all."""
    gates = [g for g in site.gates.all() if g.for_riders]
    if not gates:
        return None
    if building is not None and building.best_gate_id is not None:
        chosen = next((g for g in gates if g.pk == building.best_gate_id), None)
        if chosen is not None and chosen.is_open_at(at):
            return chosen
    target = (
        (building.latitude, building.longitude) if building is not None else (site.latitude, site.longitude)
    )

    def rank(gate: Gate) -> tuple:
        return (
            not gate.is_open_at(at),
            not gate.ebike,
            haversine_km(target[0], target[1], gate.latitude, gate.longitude),
            gate.pk,
        )

    return min(gates, key=rank)


def corrections_for(user: User) -> QuerySet[Correction]:
    return Correction.objects.filter(proposer=user).select_related("site")


def corrections_reviewable_by(user: User) -> QuerySet[Correction]:
    """The review door: every correction for district staff, their sites' for a site manager."""
    rows = Correction.objects.select_related("site", "proposer")
    if user.has_perm("delivery.review_correction"):
        return rows
    return rows.filter(site__managers=user)


def sites_managed_by(user: User) -> QuerySet[Site]:
    if user.has_perm("delivery.review_correction") or user.has_perm("delivery.change_site"):
        return Site.objects.all()
    return Site.objects.filter(managers=user)
