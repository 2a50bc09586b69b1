"""Reads of 随手帮 and 随口说: who may read what, with the joins made."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.selectors import Viewer
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
    return Opinion.objects.select_related("worker")
