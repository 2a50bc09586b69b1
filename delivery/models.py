"""The delivery guide map: sites (compounds, parks, campuses, hospitals, malls) and their parts.

Coordinates are WGS-84 floats like services.ServicePoint's (no PostGIS): near-me is a bounding box
on the indexed (latitude, longitude) pair, then haversine in SQL (services.geo). Search reads
`Site.search_text` (name, aliases and address, lower-cased) through a pg_trgm GIN index.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Street
from core.models import TimeStampedModel

BAD_OUTLINE = _(
    "The outline must be a list of at least three [longitude, latitude] points, e.g. "
    "[[120.085, 30.300], [120.087, 30.300], [120.087, 30.302]]."
)


def _latitude(label=None, **options) -> models.FloatField:
    return models.FloatField(
        label or _("latitude (WGS-84)"), validators=[MinValueValidator(-90), MaxValueValidator(90)], **options
    )


def _longitude(label=None, **options) -> models.FloatField:
    return models.FloatField(
        label or _("longitude (WGS-84)"),
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        **options,
    )


def _in_range(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
        name=f"{prefix}_coordinates_in_range",
    )


def validate_outline(value) -> None:
    if value in (None, []):
        return
    ok = isinstance(value, list) and len(value) >= 3
    for position in value if ok else []:
        ok = ok and (
            isinstance(position, list)
            and len(position) == 2
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in position)
            and -180 <= position[0] <= 180
            and -90 <= position[1] <= 90
        )
    if not ok:
        raise ValidationError(BAD_OUTLINE, code="bad_outline")


def bigrams(text: str) -> list[str]:
    """The distinct two-character pieces of each word, in order of first appearance."""
    found = (word[i : i + 2] for word in text.split() for i in range(len(word) - 1))
    return list(dict.fromkeys(found))


class Site(TimeStampedModel):
    class Kind(models.TextChoices):
        COMPOUND = "compound", _("Residential compound")
        OFFICE_PARK = "office_park", _("Office park")
        CAMPUS = "campus", _("Campus")
        HOSPITAL = "hospital", _("Hospital")
        MALL = "mall", _("Mall")

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPOUND)
    aliases = models.TextField(
        _("other names"),
        blank=True,
        help_text=_("One a line: the names riders and delivery apps use for this place."),
    )
    address = models.CharField(_("address"), max_length=200)
    street = models.CharField(_("subdistrict"), max_length=20, choices=Street.choices, blank=True)
    latitude = _latitude()
    longitude = _longitude()
    outline = models.JSONField(
        _("outline"),
        null=True,
        blank=True,
        validators=[validate_outline],
        help_text=_("Optional: the boundary as a list of [longitude, latitude] points."),
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="managed_delivery_sites",
        verbose_name=_("site managers"),
        help_text=_("Property management staff who may accept or reject corrections of this site."),
    )
    is_active = models.BooleanField(_("shown to workers"), default=True)
    # Name, aliases and address, lower-cased: what the search box matches (see selectors.site_search).
    search_text = models.TextField(editable=False, default="")
    # Every two-character piece of search_text's words: a trigram index cannot narrow a
    # two-character search ("诚园", "银泰": no trigram in it), this array's GIN index can.
    search_bigrams = ArrayField(models.CharField(max_length=2), editable=False, default=list)

    class Meta:
        verbose_name = _("delivery site")
        verbose_name_plural = _("delivery sites")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="site_lat_lng_idx"),
            GinIndex(OpClass("search_text", name="gin_trgm_ops"), name="site_search_trgm"),
            GinIndex(fields=["search_bigrams"], name="site_search_bigrams"),
            models.Index(fields=["updated_at"], name="site_updated_idx"),
        ]
        constraints = [_in_range("site")]
        permissions = [("review_correction", _("Can accept or reject corrections of any delivery site"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("delivery:site", args=[self.uuid])

    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    def save(self, *args, **kwargs) -> None:
        self.search_text = " ".join([self.name, *self.alias_list(), self.address]).lower()
        self.search_bigrams = bigrams(self.search_text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "aliases", "address"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text", "search_bigrams"}
        super().save(*args, **kwargs)


class Part(TimeStampedModel):
    """What every mapped part of a site has: a public id, a position, a name, a short note."""

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=60)
    latitude = _latitude()
    longitude = _longitude()
    notes = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class Gate(Part):
    class Guard(models.TextChoices):
        NONE = "none", _("Nothing asked")
        REGISTER = "register", _("Register at the guard house")
        SCAN = "scan", _("Scan a code")
        CALL = "call", _("The customer must call the guard")
        ORDER = "order", _("Show the order")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="gates", verbose_name=_("site"))
    on_foot = models.BooleanField(_("riders on foot"), default=True)
    ebike = models.BooleanField(_("riders by e-bike"), default=False)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True, help_text=_("Empty: open all day."))
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    guard = models.CharField(
        _("the guard asks for"), max_length=10, choices=Guard.choices, default=Guard.NONE
    )
    phone = models.CharField(_("guard house phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        ordering = ["site", "name", "id"]
        indexes = [models.Index(fields=["updated_at"], name="gate_updated_idx")]
        constraints = [_in_range("gate")]

    @property
    def for_riders(self) -> bool:
        return self.is_active and (self.on_foot or self.ebike)

    def hours_label(self) -> str:
        if self.opens_at is None or self.closes_at is None:
            return str(_("Open all day"))
        return f"{self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def is_open_at(self, moment) -> bool:
        if not self.is_active:
            return False
        if self.opens_at is None or self.closes_at is None:
            return True
        now = timezone.localtime(moment).time()
        if self.opens_at <= self.closes_at:
            return self.opens_at <= now < self.closes_at
        return now >= self.opens_at or now < self.closes_at


class Parking(Part):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="parkings", verbose_name=_("site"))
    capacity = models.PositiveSmallIntegerField(_("e-bikes it holds"), null=True, blank=True)
    charging = models.BooleanField(_("charging"), default=False)

    class Meta:
        verbose_name = _("rider parking")
        verbose_name_plural = _("rider parking")
        ordering = ["site", "name", "id"]
        indexes = [models.Index(fields=["updated_at"], name="parking_updated_idx")]
        constraints = [_in_range("parking")]


class DropPoint(Part):
    class Kind(models.TextChoices):
        LOCKER = "locker", _("Parcel locker")
        SHELF = "shelf", _("Shelf at the guard house")
        RECEPTION = "reception", _("Reception desk")
        OTHER = "other", _("Other")

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="drop_points", verbose_name=_("site")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LOCKER)

    class Meta:
        verbose_name = _("drop point")
        verbose_name_plural = _("drop points")
        ordering = ["site", "name", "id"]
        indexes = [models.Index(fields=["updated_at"], name="droppoint_updated_idx")]
        constraints = [_in_range("droppoint")]


class Building(Part):
    """A building (楼/幢/栋) with its number as riders say it: "3" for 3幢, "A" for A座."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="buildings", verbose_name=_("site"))
    number = models.CharField(_("building number"), max_length=10)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    best_gate = models.ForeignKey(
        Gate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("best gate"),
        help_text=_("Empty: the nearest gate riders may use."),
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["site", "number", "id"]
        indexes = [models.Index(fields=["updated_at"], name="building_updated_idx")]
        constraints = [
            _in_range("building"),
            models.UniqueConstraint(fields=["site", "number"], name="building_number_unique_in_site"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return str(_("Building %(number)s") % {"number": self.number})


class UnitEntrance(models.Model):
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="units", verbose_name=_("building")
    )
    number = models.PositiveSmallIntegerField(_("unit"), validators=[MinValueValidator(1)])
    latitude = _latitude(null=True, blank=True)
    longitude = _longitude(null=True, blank=True)
    notes = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("unit entrance")
        verbose_name_plural = _("unit entrances")
        ordering = ["building", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_number_unique_in_building"),
            models.CheckConstraint(condition=Q(number__gte=1), name="unit_number_positive"),
        ]

    def __str__(self) -> str:
        return str(_("Unit %(number)s") % {"number": self.number})

    @property
    def position(self) -> tuple[float, float]:
        if self.latitude is not None and self.longitude is not None:
            return self.latitude, self.longitude
        return self.building.latitude, self.building.longitude


class Lift(models.Model):
    class Kind(models.TextChoices):
        LIFT = "lift", _("Lift")
        FREIGHT = "freight", _("Freight lift")
        STAIRS = "stairs", _("Stairs")

    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="lifts", verbose_name=_("building")
    )
    unit = models.ForeignKey(
        UnitEntrance,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lifts",
        verbose_name=_("unit"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LIFT)
    riders_allowed = models.BooleanField(_("riders may use it"), default=True)
    opens_at = models.TimeField(_("riders from"), null=True, blank=True)
    closes_at = models.TimeField(_("riders until"), null=True, blank=True)
    rules = models.CharField(_("rules"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("lift or stairs")
        verbose_name_plural = _("lifts and stairs")
        ordering = ["building", "unit", "kind", "id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class SiteNote(models.Model):
    """A short note that matters ("north gate closed after 22:00")."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="notes", verbose_name=_("site"))
    text = models.CharField(_("note"), max_length=200)
    is_active = models.BooleanField(_("shown"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["site", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.text


def photo_path(instance, filename: str) -> str:
    return f"delivery/corrections/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class Correction(TimeStampedModel):
    """A rider's proposed correction or addition, with a photo and where they stood."""

    class Kind(models.TextChoices):
        GATE_CLOSED = "gate_closed", _("A gate is closed or not for riders")
        NEW_GATE = "new_gate", _("A gate is missing")
        NEW_PARKING = "new_parking", _("Rider parking is missing")
        BUILDING_NUMBER = "building_number", _("A building number is wrong")
        NOTE = "note", _("Something riders should know")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        ACCEPTED = "accepted", pgettext_lazy("map correction", "Accepted")
        REJECTED = "rejected", pgettext_lazy("map correction", "Not accepted")

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("site")
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="delivery_corrections",
        verbose_name=_("proposed by"),
    )
    kind = models.CharField(_("what is wrong"), max_length=20, choices=Kind.choices)
    gate = models.ForeignKey(
        Gate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("gate")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    building_number = models.CharField(_("right building number"), max_length=10, blank=True)
    text = models.CharField(_("what you saw"), max_length=200)
    latitude = _latitude(_("where the rider stood (latitude)"))
    longitude = _longitude(_("where the rider stood (longitude)"))
    photo = models.FileField(_("photo"), upload_to=photo_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="correction_queue_idx"),
            models.Index(fields=["proposer", "-created_at"], name="correction_proposer_idx"),
        ]
        constraints = [_in_range("correction")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.site}"


class CorrectionDecision(models.Model):
    """The history row of each status change of a correction (core.transitions)."""

    correction = models.ForeignKey(
        Correction, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("correction")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=Correction.Status.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=Correction.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["correction", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class SiteChange(models.Model):
    """What an accepted correction changed on the map: the site page's "what changed" list."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="changes", verbose_name=_("site"))
    correction = models.OneToOneField(
        Correction, on_delete=models.PROTECT, related_name="change", verbose_name=_("correction")
    )
    summary = models.CharField(_("what changed"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("change of the map")
        verbose_name_plural = _("changes of the map")
        ordering = ["site", "-created_at", "-id"]
        indexes = [models.Index(fields=["site", "-created_at"], name="sitechange_site_idx")]

    def __str__(self) -> str:
        return self.summary


class SiteRating(models.Model):
    """A rider's rating of a site's access, at most one a month each (the unique constraint holds it)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("site"))
    rider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("rider")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month rated."))
    entering = models.PositiveSmallIntegerField(_("getting in"))
    parking = models.PositiveSmallIntegerField(_("parking"))
    finding = models.PositiveSmallIntegerField(_("finding the building"))
    lifts = models.PositiveSmallIntegerField(_("getting upstairs"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("access rating")
        verbose_name_plural = _("access ratings")
        ordering = ["site", "-month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "rider", "month"], name="rating_once_a_month"),
            models.CheckConstraint(
                condition=Q(
                    entering__range=(1, 5), parking__range=(1, 5), finding__range=(1, 5), lifts__range=(1, 5)
                ),
                name="rating_scores_1_to_5",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="rating_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.month:%Y-%m}"
