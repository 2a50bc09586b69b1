"""Volunteer services: teams of workers (志愿服务队, e.g. 助老专送小哥队) and their tasks.

The elderly person a task serves is kept apart from the task, encrypted at
rest, shown only to staff with the permission and to the volunteers signed up
for it, and deleted in the transaction that completes or cancels the task.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Street
from core.privacy import EncryptedPersonalDetails
from core.timeline import Family


class Team(models.Model):
    name = models.CharField(_("team name"), max_length=80, unique=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_teams",
        verbose_name=pgettext_lazy("volunteering", "station"),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="volunteer_teams_led",
        verbose_name=_("team lead"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    # Not a column: the viewer's own membership, set by the team list for its template.
    my_membership: "Membership | None"

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Asked to join")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", pgettext_lazy("volunteering", "Not accepted")
        LEFT = "left", _("Left the team")

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="volunteer_memberships",
        verbose_name=pgettext_lazy("volunteering", "worker"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    decided_at = models.DateTimeField(pgettext_lazy("volunteering", "decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["requested_at", "id"]
        constraints = [
            # One row per person per team: asking again after leaving reuses it.
            models.UniqueConstraint(fields=["team", "user"], name="volunteer_membership_one_per_team"),
        ]

    def __str__(self) -> str:
        # No phone number here: admin shows this text to station staff (titles, inline rows).
        return f"{self.team} · {self.user.real_name or self.user_id}"


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open for sign-up")
        FULL = "full", _("Fully assigned")
        DONE = "done", pgettext_lazy("volunteering", "Completed")
        CANCELLED = "cancelled", _("Cancelled")

    # Keyed by str: the status field reads back as a plain str.
    FAMILIES: ClassVar[dict[str, Family]] = {
        Status.OPEN: Family.WAITING,
        Status.FULL: Family.PROGRESS,
        Status.DONE: Family.DONE,
        Status.CANCELLED: Family.REFUSED,
    }
    LIVE_STATUSES = (Status.OPEN, Status.FULL)

    # Not a column: set by the team page on each task it lists (is the viewer signed up?).
    mine: bool

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("team"))
    date = models.DateField(_("date"))
    starts_at = models.TimeField(pgettext_lazy("volunteering", "from"))
    ends_at = models.TimeField(_("until"))
    street = models.CharField(_("street"), max_length=20, choices=Street.choices)
    area = models.CharField(
        pgettext_lazy("volunteering", "area"),
        max_length=120,
        help_text=_("e.g. the community or the building"),
    )
    what = models.CharField(_("what to deliver"), max_length=80, help_text=_("e.g. 午餐送餐"))
    description = models.TextField(_("what volunteers should know"), max_length=1000, blank=True)
    volunteers_needed = models.PositiveSmallIntegerField(_("volunteers needed"), default=1)
    # Active sign-ups, kept by the actions under the task's row lock; the CHECK is the last line of defence.
    taken = models.PositiveSmallIntegerField(_("volunteers signed up"), default=0, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    completed_at = models.DateTimeField(_("completion confirmed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completion confirmed by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("volunteer task")
        verbose_name_plural = _("volunteer tasks")
        ordering = ["date", "starts_at", "id"]
        permissions = [("see_recipient", _("Can see the details of the elderly person served"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(volunteers_needed__gte=1), name="volunteer_task_needs_someone"
            ),
            models.CheckConstraint(
                condition=Q(taken__lte=F("volunteers_needed")), name="volunteer_task_never_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="volunteer_task_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.what} · {self.area}"

    @property
    def status_family(self) -> str:
        return self.FAMILIES[self.status]

    @property
    def places_left(self) -> int:
        return max(self.volunteers_needed - self.taken, 0)

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES


class Recipient(EncryptedPersonalDetails):
    """The elderly person served: every field encrypted; the row is deleted when the task ends."""

    task = models.OneToOneField(
        Task, on_delete=models.CASCADE, primary_key=True, related_name="recipient", verbose_name=_("task")
    )

    class Meta:
        verbose_name = _("elderly person served")
        verbose_name_plural = _("elderly people served")
        default_permissions = ()  # read and written only through the task and its actions

    def __str__(self) -> str:
        return str(_("Details of the elderly person (encrypted)"))


class Signup(models.Model):
    class Status(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        WITHDRAWN = "withdrawn", pgettext_lazy("volunteering", "Withdrawn")
        DONE = "done", _("Done")
        ABSENT = "absent", _("Not confirmed as done")
        CANCELLED = "cancelled", _("Task cancelled")

    # Keyed by str: the status field reads back as a plain str.
    FAMILIES: ClassVar[dict[str, Family]] = {
        Status.SIGNED_UP: Family.PROGRESS,
        Status.WITHDRAWN: Family.REFUSED,
        Status.DONE: Family.DONE,
        Status.ABSENT: Family.REFUSED,
        Status.CANCELLED: Family.REFUSED,
    }

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="signups", verbose_name=_("task"))
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="volunteer_signups",
        verbose_name=_("volunteer"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SIGNED_UP)
    created_at = models.DateTimeField(_("signed up at"), default=timezone.now, editable=False)
    withdrawn_at = models.DateTimeField(pgettext_lazy("volunteering", "withdrawn at"), null=True, blank=True)
    points = models.IntegerField(_("points awarded"), default=0)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "volunteer"],
                condition=~Q(status="withdrawn"),
                name="volunteer_signup_one_live_per_task",
            ),
        ]

    def __str__(self) -> str:
        # No phone number here: admin shows this text to station staff (titles, inline rows).
        return f"{self.task} · {self.volunteer.real_name or self.volunteer_id}"

    @property
    def status_family(self) -> str:
        return self.FAMILIES[self.status]
