"""Deliberation (议事) at the courier stations: topics workers raise, their supports, sessions
where the parties sit down over them, resolutions and follow-up actions."""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stations.models import Station

if TYPE_CHECKING:
    from core.timeline import Family


class Party(models.TextChoices):
    """Who sits at a deliberation session and who owns a follow-up action."""

    MALL = "mall", _("Mall management")
    PROPERTY = "property", _("Property manager")
    RIDERS = "riders", _("Riders' representatives")
    DISTRICT = "district", _("Street or district staff")


class Topic(models.Model):
    """A deliberation topic (议题) a worker raised at a station."""

    class Status(models.TextChoices):
        OPEN = "open", _("Raised")
        ACCEPTED = "accepted", _("Accepted for a session")
        SCHEDULED = "scheduled", _("On a session's agenda")
        RESOLVED = "resolved", pgettext_lazy("deliberation topic", "Resolved")
        UNRESOLVED = "unresolved", _("Not resolved")
        CLOSED = "closed", _("Answered")

    LIVE_STATUSES = (Status.OPEN, Status.ACCEPTED, Status.SCHEDULED)
    FINAL_STATUSES = (Status.RESOLVED, Status.UNRESOLVED, Status.CLOSED)

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="topics", verbose_name=_("station")
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="topics_raised",
        verbose_name=_("raised by"),
    )
    # Raised from the delivery map about a site whose riders rate its access low (issue 20).
    site = models.ForeignKey(
        "delivery.Site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
        verbose_name=_("delivery site"),
    )
    title = models.CharField(_("title"), max_length=80)
    description = models.TextField(_("description"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, editable=False
    )
    session = models.ForeignKey(
        "Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda",
        editable=False,
        verbose_name=_("session"),
    )
    answer = models.TextField(_("answer of the station lead"), blank=True, editable=False)
    resolution = models.TextField(_("resolution"), blank=True, editable=False)
    resolution_at = models.DateTimeField(_("resolution recorded at"), null=True, blank=True, editable=False)
    explanation = models.TextField(_("public explanation"), blank=True, editable=False)
    created_at = models.DateTimeField(_("raised at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["scheduled", "resolved", "unresolved"]) | Q(session__isnull=False),
                name="topic_scheduled_has_session",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "unresolved", "closed"])
                | ~Q(explanation="")
                | ~Q(answer=""),
                name="topic_final_has_explanation",
            ),
        ]
        indexes = [models.Index(fields=["station", "status"], name="topic_station_status_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def status_family(self) -> "Family":
        from core.timeline import Family

        return {
            self.Status.OPEN: Family.WAITING,
            self.Status.ACCEPTED: Family.PROGRESS,
            self.Status.SCHEDULED: Family.PROGRESS,
            self.Status.RESOLVED: Family.DONE,
            self.Status.UNRESOLVED: Family.REFUSED,
            self.Status.CLOSED: Family.DONE,
        }[self.Status(self.status)]

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES


def topic_photo_path(instance, filename: str) -> str:
    return f"stations/topics/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class TopicPhoto(models.Model):
    """A re-encoded photo (EXIF gone) with its thumbnail; private, served only through a checked view."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=topic_photo_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=topic_photo_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("topic photo")
        verbose_name_plural = _("topic photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk}"


class TopicUpdate(models.Model):
    """One step of a topic's life, with the note the raiser and supporters see. Written by actions only."""

    class Role(models.TextChoices):
        RAISER = "raiser", _("Raised by a worker")
        LEAD = "lead", _("Station lead")
        SESSION = "session", _("Deliberation session")

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=12, choices=Topic.Status.choices)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(_("by"), max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("topic update")
        verbose_name_plural = _("topic updates")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.topic_id} {self.get_status_display()}"


class Support(models.Model):
    """One worker backs a topic; one support per person and topic, held by the database."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="supports", verbose_name=_("topic")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="topic_supports",
        verbose_name=_("supporter"),
    )
    created_at = models.DateTimeField(_("supported at"), default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="support_one_per_person")]

    def __str__(self) -> str:
        # No phone number here: admin shows this text to station staff (titles, inline rows).
        return f"{self.user.real_name or self.user_id} → #{self.topic_id}"


class Session(models.Model):
    """A deliberation session (议事会): the parties sit down over the agenda of accepted topics."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held (minutes recorded)")
        CANCELLED = "cancelled", _("Cancelled")

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("station")
    )
    # Workers register and check in through the events app.
    event = models.OneToOneField(
        "events.Event", on_delete=models.PROTECT, related_name="session", verbose_name=_("event")
    )
    title = models.CharField(_("title"), max_length=120)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    parties = ArrayField(
        models.CharField(max_length=12, choices=Party.choices),
        verbose_name=_("parties invited"),
        default=list,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED, editable=False
    )
    minutes = models.TextField(_("minutes"), blank=True, editable=False)
    minutes_at = models.DateTimeField(_("minutes recorded at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("deliberation session")
        verbose_name_plural = _("deliberation sessions")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(status="held") | ~Q(minutes=""), name="session_held_has_minutes"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def parties_display(self) -> list[str]:
        labels = dict(Party.choices)
        return [str(labels.get(party, party)) for party in self.parties]

    @property
    def status_family(self) -> "Family":
        from core.timeline import Family

        return {
            self.Status.SCHEDULED: Family.PROGRESS,
            self.Status.HELD: Family.DONE,
            self.Status.CANCELLED: Family.REFUSED,
        }[self.Status(self.status)]


class FollowUpAction(models.Model):
    """What a party promised at a session for a topic, by when; followed up to done or overdue."""

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        DONE = "done", _("Done")
        OVERDUE = "overdue", _("Overdue")

    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, related_name="followups", verbose_name=_("topic")
    )
    owner_party = models.CharField(_("owner"), max_length=12, choices=Party.choices)
    what = models.CharField(_("what will be done"), max_length=200)
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, editable=False
    )
    done_note = models.TextField(_("how it was done"), blank=True, editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    overdue_at = models.DateTimeField(_("marked overdue at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(done_at__isnull=False) & ~Q(done_note="")),
                name="followup_done_has_note",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="followup_status_due_idx")]

    def __str__(self) -> str:
        return self.what

    @property
    def status_family(self) -> "Family":
        from core.timeline import Family

        return {
            self.Status.OPEN: Family.PROGRESS,
            self.Status.DONE: Family.DONE,
            self.Status.OVERDUE: Family.REFUSED,
        }[self.Status(self.status)]
