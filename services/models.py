"""The ten friendly scenarios: a directory aligned with Open Referral HSDS 3.0, and service requests.

HSDS ids are the `uuid` columns (random, so they say nothing about our
primary keys' order); the API never shows a primary key.
"""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Street
from core.indexes import search_index
from core.models import TimeStampedModel


class Amenity(models.TextChoices):
    WATER = "water", _("Drinking water")
    WARM_DRINKS = "warm_drinks", _("Warm drinks")
    CHARGING = "charging", _("Phone and battery charging")
    MICROWAVE = "microwave", _("Microwave")
    REST = "rest", _("Seats to rest")
    TOILET = "toilet", _("Toilet")
    WIFI = "wifi", _("Wi-Fi")
    FIRST_AID = "first_aid", _("First-aid kit")
    UMBRELLA = "umbrella", _("Umbrellas and raincoats")
    REPAIR = "repair", _("Tyre pump and repair tools")
    PARKING = "parking", _("Rider parking")


class Scenario(TimeStampedModel):
    """One of the ten friendly scenarios: the HSDS taxonomy term."""

    uuid = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=80)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    icon = models.CharField(_("icon"), max_length=8, help_text=_("One emoji or symbol shown on the tile."))
    is_active = models.BooleanField(_("shown to workers"), default=True)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    def get_absolute_url(self) -> str:
        return reverse("services:scenario", args=[self.code])

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def description(self) -> str:
        english = (get_language() or "").startswith("en")
        return (self.description_en if english else self.description_zh) or self.description_zh


class Organization(TimeStampedModel):
    uuid = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("organisation name"), max_length=120)
    description = models.TextField(_("description"))
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServicePoint(TimeStampedModel):
    """A place (HSDS location) with WGS-84 coordinates, opening hours and amenities."""

    uuid = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="points", verbose_name=_("organisation")
    )
    name = models.CharField(_("place name"), max_length=120)
    address = models.CharField(_("street address"), max_length=200)
    street = models.CharField(_("subdistrict"), max_length=20, choices=Street.choices, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=6, default="310000")
    latitude = models.FloatField(
        _("latitude (WGS-84)"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude (WGS-84)"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    amenities = ArrayField(
        models.CharField(max_length=20, choices=Amenity.choices),
        verbose_name=_("amenities"),
        default=list,
        blank=True,
    )
    notes = models.CharField(_("how to find it"), max_length=200, blank=True)
    is_active = models.BooleanField(_("open to workers"), default=True)

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["name"]
        indexes = [
            # The bounding-box prefilter of "near me" is a range on both columns.
            models.Index(fields=["latitude", "longitude"], name="point_lat_lng_idx"),
            GinIndex(fields=["amenities"], name="point_amenities_gin"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="point_coordinates_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("services:point", args=[self.uuid])

    def amenity_labels(self) -> list[str]:
        labels = dict(Amenity.choices)
        return [str(labels[code]) for code in self.amenities if code in labels]


class Service(TimeStampedModel):
    """What is offered, for whom, how to get it and what it costs (HSDS service)."""

    class Status(models.TextChoices):
        # HSDS 3.0 service status values.
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", _("Defunct")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")

    uuid = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    scenario = models.ForeignKey(
        Scenario, on_delete=models.PROTECT, related_name="services", verbose_name=_("scenario")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services", verbose_name=_("organisation")
    )
    name = models.CharField(_("service name"), max_length=120)
    description = models.TextField(_("what it is"))
    eligibility = models.CharField(_("for whom"), max_length=300, blank=True)
    how_to_get = models.TextField(_("how to get it"), blank=True)
    cost = models.CharField(_("cost"), max_length=200, blank=True, help_text=_("For example: free."))
    url = models.URLField(_("web page"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # Annotated because the through model is named before it exists (defined below).
    points: "models.ManyToManyField[ServicePoint, ServiceAtPoint]" = models.ManyToManyField(
        ServicePoint, through="ServiceAtPoint", related_name="services", verbose_name=_("service points")
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["scenario__order", "name"]
        indexes = [models.Index(fields=["updated_at"], name="service_updated_idx")]

    def __str__(self) -> str:
        return self.name


class ServiceAtPoint(TimeStampedModel):
    """HSDS service_at_location."""

    uuid = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="at_points", verbose_name=_("service")
    )
    point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="at_points", verbose_name=_("service point")
    )
    description = models.CharField(_("note for this place"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("service at a point")
        verbose_name_plural = _("services at points")
        constraints = [models.UniqueConstraint(fields=["service", "point"], name="service_at_point_unique")]

    def __str__(self) -> str:
        return f"{self.service} @ {self.point}"


class Schedule(models.Model):
    """Weekly opening hours of a point, in Asia/Shanghai.

    A span whose closing time is not after its opening time runs overnight
    into the next day (22:00-06:00); 00:00-00:00 is open all day.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("service point")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(
        _("closes at"), help_text=_("Earlier than the opening time: open overnight.")
    )

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="schedule_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"


class ScheduleException(models.Model):
    """A dated exception (a public holiday, a closure, special hours) replacing that day's weekly hours."""

    point = models.ForeignKey(
        ServicePoint, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("service point")
    )
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    note = models.CharField(
        _("reason"), max_length=80, blank=True, help_text=_("For example: Spring Festival.")
    )

    class Meta:
        verbose_name = _("dated exception")
        verbose_name_plural = _("dated exceptions")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["point", "date"], name="schedule_exception_one_per_day"),
            models.CheckConstraint(
                condition=Q(closed=True) | Q(opens_at__isnull=False, closes_at__isnull=False),
                name="schedule_exception_hours_when_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.note}"


class ServiceRequest(TimeStampedModel):
    """A worker asks for help; service staff handle it: new -> assigned -> in progress -> resolved -> closed."""

    class Kind(models.TextChoices):
        LEGAL = "legal", _("Legal consultation")
        RELIEF = "relief", _("Hardship relief")
        COMPLAINT = "complaint", _("Complaint or request")
        OTHER = "other", _("Other help")

    class Status(models.TextChoices):
        NEW = "new", _("Submitted")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    class ContactTime(models.TextChoices):
        ANY = "any", _("Any time")
        MORNING = "morning", _("Morning (9:00-12:00)")
        AFTERNOON = "afternoon", _("Afternoon (14:00-18:00)")
        EVENING = "evening", _("Evening (18:00-21:00)")

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("worker"),
    )
    kind = models.CharField(_("what you need"), max_length=20, choices=Kind.choices)
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("service"),
    )
    description = models.TextField(_("what happened"))
    contact_time = models.CharField(
        _("preferred contact time"), max_length=20, choices=ContactTime.choices, default=ContactTime.ANY
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_service_requests",
        verbose_name=_("handled by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    started_at = models.DateTimeField(_("work started at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reply = models.TextField(_("reply to the worker"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="request_queue_idx"),
            models.Index(fields=["worker", "-created_at"], name="request_worker_idx"),
            models.Index(fields=["-created_at", "-id"], name="request_recent_idx"),  # the admin list's order
            search_index("description", name="request_text_search_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="request_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(resolved_at__isnull=False),
                name="request_rated_only_resolved",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "in_progress", "resolved"]) | Q(assignee__isnull=False),
                name="request_handled_has_assignee",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def reference(self) -> str:
        return f"FW{self.pk:06d}"


def request_photo_path(instance: "ServiceRequestPhoto", filename: str) -> str:
    return f"services/requests/{uuid.uuid4().hex}.jpg"


class ServiceRequestPhoto(models.Model):
    """A photo the worker attached: re-encoded on upload, private, served only to the worker and staff."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="photos", verbose_name=_("service request")
    )
    image = models.FileField(_("photo"), upload_to=request_photo_path)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.request} photo {self.pk}"


class ServiceRequestEvent(models.Model):
    """Status history of a request: who moved it, when, and with what reply. Append-only."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("service request")
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=ServiceRequest.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=ServiceRequest.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("reply to the worker"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '-'} → {self.get_to_status_display()}"


class ServiceRequestNote(models.Model):
    """Staff's internal note on a request; workers never see these."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="notes", verbose_name=_("service request")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
