"""Events at courier stations: deliberation sessions, skill contests, sharing events.

Registration has a seat limit and a waitlist; attendance is verified by a
short-lived check-in code shown at the venue.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Event(models.Model):
    class Kind(models.TextChoices):
        DELIBERATION = "deliberation", _("Deliberation session")
        CONTEST = "contest", _("Skill contest")
        SHARING = "sharing", _("Sharing event")

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Open for registration")
        CANCELLED = "cancelled", _("Cancelled")

    station = models.ForeignKey(
        "stations.Station", on_delete=models.PROTECT, related_name="events", verbose_name=_("station")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    seat_limit = models.PositiveIntegerField(_("seats"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PUBLISHED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    results_published_at = models.DateTimeField(
        _("results published at"), null=True, blank=True, editable=False
    )
    # The app whose record this event serves (e.g. "deliberation" for a session), set when that app
    # makes it through events.actions.managed_event_create. Its station, place and time change, and
    # it is cancelled, only through that app (managed_event_cancel); empty: an event of its own.
    managed_by = models.CharField(_("managed by"), max_length=40, blank=True, default="", editable=False)

    # Check-in opens this long before the start and closes at the end.
    CHECKIN_OPENS_BEFORE = timedelta(minutes=30)

    class Meta:
        verbose_name = pgettext_lazy("events", "event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        permissions = [("show_checkin_code", _("Can show the check-in code at the venue"))]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(condition=Q(seat_limit__gt=0), name="event_has_seats"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_managed(self) -> bool:
        return bool(self.managed_by)

    @property
    def checkin_opens_at(self):
        return self.starts_at - self.CHECKIN_OPENS_BEFORE

    def is_checkin_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.status == self.Status.PUBLISHED and self.checkin_opens_at <= at < self.ends_at

    def phase(self, at=None) -> str:
        """upcoming, ongoing, ended or cancelled: what the worker sees on the badge."""
        at = at or timezone.now()
        if self.status == self.Status.CANCELLED:
            return "cancelled"
        if at < self.starts_at:
            return "upcoming"
        if at < self.ends_at:
            return "ongoing"
        return "ended"


class Registration(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=pgettext_lazy("events", "event"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="event_registrations",
        verbose_name=pgettext_lazy("events", "worker"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, editable=False)
    promoted_at = models.DateTimeField(
        _("moved up from the waitlist at"), null=True, blank=True, editable=False
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=~Q(status="cancelled"),
                name="registration_one_live_per_event",
            )
        ]

    def __str__(self) -> str:
        # No phone number here: this text heads each row of the admin inline.
        return f"{self.user.real_name or self.user_id} · {self.get_status_display()}"


class CheckIn(models.Model):
    """Verified attendance: the worker typed the code shown at the venue. One per registration."""

    registration = models.OneToOneField(
        Registration, on_delete=models.PROTECT, related_name="checkin", verbose_name=_("registration")
    )
    event = models.ForeignKey(
        Event,
        on_delete=models.PROTECT,
        related_name="checkins",
        verbose_name=pgettext_lazy("events", "event"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="event_checkins",
        verbose_name=pgettext_lazy("events", "worker"),
    )
    created_at = models.DateTimeField(_("checked in at"), default=timezone.now, editable=False)
    points = models.PositiveIntegerField(_("points earned"), default=0)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="checkin_once_per_event"),
        ]

    def __str__(self) -> str:
        # No phone number here: admin shows this text to station staff (titles, inline rows).
        return f"{self.event} · {self.user.real_name or self.user_id}"


class ContestResult(models.Model):
    """A skill contest participant's place and score, recorded by staff for checked-in workers."""

    event = models.ForeignKey(
        Event, on_delete=models.PROTECT, related_name="results", verbose_name=pgettext_lazy("events", "event")
    )
    checkin = models.OneToOneField(
        CheckIn, on_delete=models.PROTECT, related_name="result", verbose_name=_("participant")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contest_results",
        verbose_name=pgettext_lazy("events", "worker"),
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=1)
    points = models.PositiveIntegerField(_("points earned"), default=0, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("contest result")
        verbose_name_plural = _("contest results")
        ordering = ["event", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="contest_result_once_per_worker"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="contest_result_rank_positive"),
            models.CheckConstraint(condition=Q(score__gte=0), name="contest_result_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.rank}"
