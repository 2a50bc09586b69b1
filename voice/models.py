"""随手帮 and 随口说: what grid members do besides filing street reports (governance).

- `HelpDeed` (随手帮): help a grid member gave on the way; staff verify it, and a verified deed
  earns points once.
- `HelpRequest` (随手帮): a small help request posted by community staff for a grid, in a time
  window; a grid member of that grid takes it, marks it done, the requester confirms, points
  follow. The person helped is a `HelpRecipient` row, encrypted, shown only to the member who took
  it and deleted when the request is done or cancelled.
- `Opinion` (随口说): what residents and riders say, passed on by a grid member; staff summarise,
  tag and route it to a department or to a station's deliberation as a
  topic, and answer; an adopted opinion earns points once.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import topic_routes
from core.privacy import EncryptedPersonalDetails
from governance.models import Grid
from stations.models import Station

WINDOW_BACKWARDS = _("The time window must end after it starts.")

LAT_LNG_VALID = (Q(lat__isnull=True) & Q(lng__isnull=True)) | (
    Q(lat__gte=-90) & Q(lat__lte=90) & Q(lng__gte=-180) & Q(lng__lte=180)
)


def deed_photo_path(instance, filename: str) -> str:
    return f"voice/help/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class HelpDeed(models.Model):
    """Help a grid member gave on the way (随手帮), verified by staff."""

    class Kind(models.TextChoices):
        ESCORT = "escort", _("Helped an elderly or lost person home")
        INJURED = "injured", _("Reported and stayed with an injured person")
        OBSTACLE = "obstacle", _("Moved an obstacle out of the way")
        OTHER = "other", _("Other help")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for verification")
        VERIFIED = "verified", pgettext_lazy("voice", "Verified")
        REJECTED = "rejected", _("Not verified")

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="help_deeds",
        verbose_name=pgettext_lazy("voice", "worker"),
    )
    client_uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind of help"), max_length=12, choices=Kind.choices)
    note = models.TextField(pgettext_lazy("voice", "what happened"), max_length=500)
    photo = models.FileField(_("photo"), upload_to=deed_photo_path, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(pgettext_lazy("voice", "where (address)"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED, editable=False
    )
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(
        pgettext_lazy("voice", "recorded at"), default=timezone.now, editable=False
    )
    decided_at = models.DateTimeField(
        pgettext_lazy("voice", "decided at"), null=True, blank=True, editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=pgettext_lazy("voice", "decided by"),
    )

    class Meta:
        verbose_name = _("help given (随手帮)")
        verbose_name_plural = _("help given (随手帮)")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "client_uuid"], name="helpdeed_one_per_client_uuid"),
            models.CheckConstraint(condition=LAT_LNG_VALID, name="helpdeed_lat_lng_valid"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="helpdeed_status_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"


class HelpRequest(models.Model):
    """A small help request of community staff for the members of one grid (随手帮)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        TAKEN = "taken", _("Taken")
        DONE = "done", _("Done, waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    LIVE_STATUSES = (Status.OPEN, Status.TAKEN)

    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="help_requests", verbose_name=_("grid (area)")
    )
    what = models.CharField(_("what is needed"), max_length=120)
    starts_at = models.DateTimeField(pgettext_lazy("voice", "from"))
    ends_at = models.DateTimeField(_("until"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, editable=False
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests_taken",
        editable=False,
        verbose_name=_("taken by"),
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True, editable=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, editable=False)
    done_note = models.CharField(_("what was done"), max_length=300, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(_("posted at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="helprequest_window",
                violation_error_message=WINDOW_BACKWARDS,
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(status="cancelled") | Q(taken_by__isnull=False),
                name="helprequest_taken_has_taker",
            ),
        ]
        indexes = [models.Index(fields=["grid", "status", "ends_at"], name="helprequest_open_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.what}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES


class HelpRecipient(EncryptedPersonalDetails):
    """The person to be helped: every field encrypted; the row is deleted when the request ends."""

    request = models.OneToOneField(
        HelpRequest, on_delete=models.CASCADE, primary_key=True, related_name="recipient"
    )

    class Meta:
        verbose_name = _("person to be helped")
        verbose_name_plural = _("people to be helped")
        default_permissions = ()  # read and written only through the request and its actions

    def __str__(self) -> str:
        return str(_("Details of the person to be helped (encrypted)"))


def audio_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "webm"
    return f"voice/audio/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class Opinion(models.Model):
    """What residents or riders say, passed on by a grid member (随口说, 社情民意)."""

    class Topic(models.TextChoices):
        TRAFFIC = "traffic", _("Traffic")
        COMMUNITY = "community", _("Community life")
        PLATFORM = "platform", _("Platform rules")
        PUBLIC = "public", _("Public services")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Received")
        ROUTED = "routed", _("Passed on")
        ANSWERED = "answered", _("Answered")
        ADOPTED = "adopted", _("Adopted")
        CLOSED = "closed", _("Closed")

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="opinions",
        verbose_name=pgettext_lazy("voice", "worker"),
    )
    client_uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    text = models.TextField(_("what people say"), max_length=2000, blank=True)
    # The recording (随口说 by voice), deleted after settings.VOICE_AUDIO_RETENTION_DAYS; its length stays.
    audio = models.FileField(_("recording"), upload_to=audio_path, blank=True, editable=False)
    audio_seconds = models.PositiveSmallIntegerField(
        _("recording length (s)"), null=True, blank=True, editable=False
    )
    audio_deleted_at = models.DateTimeField(_("recording deleted at"), null=True, blank=True, editable=False)
    topic = models.CharField(
        pgettext_lazy("voice", "topic"), max_length=12, choices=Topic.choices, blank=True
    )
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(pgettext_lazy("voice", "where (address)"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED, editable=False
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True, editable=False)
    tags = models.CharField(_("tags"), max_length=200, blank=True, editable=False)
    department = models.CharField(_("routed to (department)"), max_length=80, blank=True, editable=False)
    # Or routed to a station's deliberation as a topic: the topic lives in `deliberation` (same layer
    # of the import contract), so it is named by its number and reached through core.topic_routes.
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("routed to (station deliberation)"),
    )
    station_topic_id = models.PositiveIntegerField(
        _("deliberation topic No."), null=True, blank=True, editable=False
    )
    answer = models.TextField(_("answer"), max_length=2000, blank=True, editable=False)
    created_at = models.DateTimeField(_("received at"), default=timezone.now, editable=False)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("opinion (随口说)")
        verbose_name_plural = _("opinions (随口说)")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "client_uuid"], name="opinion_one_per_client_uuid"),
            models.CheckConstraint(condition=LAT_LNG_VALID, name="opinion_lat_lng_valid"),
            models.CheckConstraint(
                condition=Q(status="submitted")
                | Q(status="closed")
                | ~Q(department="")
                | Q(station_topic_id__isnull=False),
                name="opinion_routed_has_department",
            ),
            # One destination: a department or a station's topic, never both.
            models.CheckConstraint(
                condition=Q(department="") | Q(station__isnull=True), name="opinion_one_destination"
            ),
            models.CheckConstraint(
                condition=Q(station__isnull=True, station_topic_id__isnull=True)
                | Q(station__isnull=False, station_topic_id__isnull=False),
                name="opinion_station_has_topic",
            ),
            models.CheckConstraint(
                condition=~Q(text="") | Q(audio_seconds__isnull=False), name="opinion_text_or_recording"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="opinion_status_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:30]}"

    @property
    def has_audio(self) -> bool:
        return bool(self.audio)

    @property
    def station_topic_url(self) -> str:
        return topic_routes.topic_url(self.station_topic_id) if self.station_topic_id else ""
