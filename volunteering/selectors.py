"""Reads of the volunteering app: querysets with their joins already made.

No list here loads the elderly person's details: only `recipient_for` does,
for the people allowed to see them.
"""

from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.home import Group, HomeItem
from stations.models import Station
from stations.selectors import can_run
from volunteering.models import Membership, Recipient, Signup, Task, Team


def teams_for_list(*, user: User) -> QuerySet[Team]:
    """Active teams with their member count and, for a logged-in worker, their own membership status."""
    queryset = (
        Team.objects.filter(is_active=True)
        .select_related("station")
        .annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__status=Membership.Status.ACTIVE), distinct=True
            ),
            open_task_count=Count(
                "tasks",
                filter=Q(tasks__status=Task.Status.OPEN, tasks__date__gte=timezone.localdate()),
                distinct=True,
            ),
        )
    )
    if getattr(user, "is_authenticated", False):
        queryset = queryset.prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.filter(user=user), to_attr="mine")
        )
    return queryset


def membership_of(*, team: Team, user: User) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(team=team, user=user).first()


def active_members(*, team: Team) -> QuerySet[Membership]:
    return Membership.objects.filter(team=team, status=Membership.Status.ACTIVE).select_related("user")


def pending_requests(*, team: Team) -> QuerySet[Membership]:
    return Membership.objects.filter(team=team, status=Membership.Status.PENDING).select_related("user")


def upcoming_tasks(*, team: Team) -> QuerySet[Task]:
    """Live tasks from today on (open ones first by date); no recipient is joined."""
    return Task.objects.filter(team=team, status__in=Task.LIVE_STATUSES, date__gte=timezone.localdate())


def tasks_to_confirm(*, team: Team) -> QuerySet[Task]:
    """Live tasks whose day has come, with their volunteers."""
    return Task.objects.filter(
        team=team, status__in=Task.LIVE_STATUSES, date__lte=timezone.localdate()
    ).prefetch_related(_live_signups())


def _live_signups() -> Prefetch:
    return Prefetch(
        "signups",
        queryset=Signup.objects.filter(status=Signup.Status.SIGNED_UP).select_related("volunteer"),
        to_attr="live_signups",
    )


def task_get(*, task_id: int) -> Task:
    return Task.objects.select_related("team", "team__station").get(pk=task_id)


def signup_of(*, task: Task, user: User) -> Signup | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Signup.objects.filter(task=task, volunteer=user).exclude(status=Signup.Status.WITHDRAWN).first()


def staff_may_see_recipients(*, user: User, station: Station | None) -> bool:
    """Staff with the permission who run the team's station (the stations door), district staff
    among them; station staff of another station never."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_staff
        and user.has_perm("volunteering.see_recipient")
        and can_run(user, station)
    )


def can_see_recipient(*, task: Task, user: User) -> bool:
    """Staff with the permission at the task's station, and the volunteers signed up for the task.
    Nobody else, not even the lead."""
    if not getattr(user, "is_authenticated", False):
        return False
    if staff_may_see_recipients(user=user, station=task.team.station):
        return True
    return Signup.objects.filter(task=task, volunteer=user, status=Signup.Status.SIGNED_UP).exists()


def recipient_for(*, task: Task, user: User) -> Recipient | None:
    if not can_see_recipient(task=task, user=user):
        return None
    return Recipient.objects.filter(task=task).first()


def signups_of(*, user: User) -> QuerySet[Signup]:
    """A worker's volunteer tasks, newest day first (withdrawn ones left out)."""
    return (
        Signup.objects.filter(volunteer=user)
        .exclude(status=Signup.Status.WITHDRAWN)
        .select_related("task", "task__team")
        .order_by("-task__date", "-task__starts_at", "-id")
    )


# --- The district dashboard's rollup (dashboard.actions reads these, never the tables) ----------


def tasks_done_rollup() -> QuerySet:
    """Volunteer tasks done per month (of the task's day) and station."""
    from django.db.models import DateField, F
    from django.db.models.functions import Trunc

    return (
        Task.objects.filter(status=Task.Status.DONE, team__station__isnull=False)
        .values(
            month=Trunc("date", "month", output_field=DateField()),
            key=F("team__station_id"),
            label=F("team__station__name"),
            # Not "street": a task has its own (where it took place); the panel filters by the station's.
            station_street=F("team__station__street"),
        )
        .annotate(tasks_done=Count("pk"))
        .order_by()
    )


def home_items(*, user: User) -> list[HomeItem]:
    """For the home page: the volunteer tasks of today and tomorrow the worker signed up for (1 query)."""
    today = timezone.localdate()
    signups = (
        Signup.objects.filter(
            volunteer=user,
            status=Signup.Status.SIGNED_UP,
            task__date__in=[today, today + timedelta(days=1)],
            task__status__in=Task.LIVE_STATUSES,
        )
        .select_related("task")
        .order_by("task__date", "task__starts_at")
    )
    items = []
    for signup in signups:
        task = signup.task
        when = _("Today") if task.date == today else _("Tomorrow")
        items.append(
            HomeItem(
                Group.WAITING,
                _("Volunteer task: %(what)s") % {"what": task.what},
                _("%(when)s %(start)s–%(end)s, %(street)s")
                % {
                    "when": when,
                    "start": task.starts_at.strftime("%H:%M"),
                    "end": task.ends_at.strftime("%H:%M"),
                    "street": task.get_street_display(),
                },
                _("See the task"),
                reverse("volunteering:task", args=[task.pk]),
            )
        )
    return items
