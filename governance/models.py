"""Grids and grid members, street reports (随手报).

An accepted report earns points through the ledger (points/, kind report_accepted:
governance/points_kinds.py).
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Street
from core.indexes import search_index
from governance.attributes import validate_definitions
from governance.geo import bounding_box, polygon_rings

REOPEN_WINDOW = timedelta(days=14)


class Grid(models.Model):
    """A grid (网格): an area of a community, drawn as a GeoJSON polygon in WGS-84."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    street = models.CharField(_("street"), max_length=20, choices=Street.choices)
    community = models.CharField(_("community"), max_length=80, blank=True)
    area = models.JSONField(
        _("area"),
        help_text=_('A GeoJSON Polygon in WGS-84: {"type": "Polygon", "coordinates": [[[lng, lat], ...]]}.'),
    )
    # The polygon's bounding box, kept by save(): the database narrows a point
    # lookup to a few candidates before the exact point-in-polygon test.
    min_lat = models.DecimalField(max_digits=9, decimal_places=6, editable=False, default=0)
    max_lat = models.DecimalField(max_digits=9, decimal_places=6, editable=False, default=0)
    min_lng = models.DecimalField(max_digits=9, decimal_places=6, editable=False, default=0)
    max_lng = models.DecimalField(max_digits=9, decimal_places=6, editable=False, default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["street", "name"]
        indexes = [models.Index(fields=["min_lat", "max_lat", "min_lng", "max_lng"], name="grid_bbox_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        south, west, north, east = bounding_box(polygon_rings(self.area))
        self.min_lat, self.min_lng, self.max_lat, self.max_lng = south, west, north, east
        if kwargs.get("update_fields") is not None and "area" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "min_lat", "max_lat", "min_lng", "max_lng"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            polygon_rings(self.area)
        except ValidationError as error:
            raise ValidationError({"area": error.messages}) from error


class GridMember(models.Model):
    """A worker appointed to a grid by a grid admin, from a date, until the appointment ends."""

    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="members", verbose_name=_("grid"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grid_memberships",
        verbose_name=_("grid member"),
    )
    starts_on = models.DateField(_("appointed from"), default=timezone.localdate)
    ends_on = models.DateField(_("appointment ended on"), null=True, blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointed by"),
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )

    class Meta:
        verbose_name = _("grid member")
        verbose_name_plural = _("grid members")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="gridmember_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["grid", "user"],
                condition=Q(ends_on__isnull=True),
                name="gridmember_one_live_per_grid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.grid}"

    def is_current(self, day=None) -> bool:
        day = day or timezone.localdate()
        return self.starts_on <= day and (self.ends_on is None or self.ends_on > day)


class Category(models.Model):
    """What kind of problem a report is; also the Open311 service."""

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("The Open311 service_code."))
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    description_zh = models.CharField(_("description (Chinese)"), max_length=200, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=200, blank=True)
    icon = models.CharField(_("icon"), max_length=8, blank=True, help_text=_("One emoji for the big button."))
    department = models.CharField(_("responsible department"), max_length=80)
    response_hours = models.PositiveIntegerField(
        _("response time target (hours)"),
        default=72,
        help_text=_("A report still open after this is overdue."),
    )
    is_public = models.BooleanField(
        _("shown on the public map"),
        default=True,
        help_text=_("Reports about people in need or residents' concerns should stay private."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    attributes = models.JSONField(
        _("questions (Open311 attributes)"),
        default=list,
        blank=True,
        validators=[validate_definitions],
        help_text=_(
            'The details this category asks, a JSON list: [{"code": "cover", "datatype": "singlevaluelist", '
            '"required": true, "order": 1, "description_zh": "井盖是缺失还是破损？", "description_en": '
            '"Is the cover missing or broken?", "values": [{"key": "missing", "name_zh": "缺失", "name_en": '
            '"Missing"}]}]. Datatypes: string, number, datetime, text, singlevaluelist, multivaluelist.'
        ),
    )

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def description(self) -> str:
        return self.description_en if (get_language() or "").startswith("en") else self.description_zh

    @property
    def has_attributes(self) -> bool:
        """Open311's `metadata`: the category has a service definition of its own."""
        return bool(self.attributes)


class ApiKey(models.Model):
    """A key for a partner system posting Open311 requests. Only its SHA-256 is stored."""

    PREFIX_LENGTH = 8

    name = models.CharField(_("partner system"), max_length=80)
    prefix = models.CharField(_("key starts with"), max_length=PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw_key: str) -> str:
        # The keys are 256-bit random strings, so a fast hash is enough (no
        # dictionary to guess from); a slow KDF would only slow every request.
        return hashlib.sha256(raw_key.encode()).hexdigest()

    @classmethod
    def generate(cls) -> str:
        return secrets.token_urlsafe(32)


class Report(models.Model):
    """A street report (随手报) by a grid member, or by a partner system over Open311."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        DISPATCHED = "dispatched", _("Dispatched")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Not accepted")
        DUPLICATE = "duplicate", _("Duplicate")

    OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_reports",
        verbose_name=_("reporter"),
    )
    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("partner system"),
    )
    # Chosen by the phone before the first try: a retried upload finds its report instead of making a second.
    client_uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("category")
    )
    # 4,000: the Open311 GeoReport v2 limit for a POSTed description; the worker's form asks for less.
    description = models.TextField(_("description"), max_length=4000, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("where (address)"), max_length=200, blank=True)
    address_id = models.CharField(
        _("address id (partner)"),
        max_length=100,
        blank=True,
        help_text=_(
            "The Open311 address_id a partner system sent; when it names none of our streets or grids, "
            "staff place the report by hand."
        ),
    )
    street = models.CharField(_("street"), max_length=20, choices=Street.choices, blank=True)
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="reports", verbose_name=_("grid")
    )
    department = models.CharField(_("responsible department"), max_length=80)
    media_url = models.URLField(_("media URL (partner)"), max_length=500, blank=True)
    # The answers to the category's questions as governance.attributes stores them: {code: value}.
    attributes = models.JSONField(_("answers"), default=dict, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED, editable=False
    )
    reject_reason = models.CharField(_("reason"), max_length=300, blank=True, editable=False)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        editable=False,
        verbose_name=_("duplicate of"),
    )
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    due_at = models.DateTimeField(_("due"), editable=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0, editable=False)

    class Meta:
        verbose_name = _("street report")
        verbose_name_plural = _("street reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "client_uuid"], name="report_one_per_client_uuid"),
            models.CheckConstraint(
                condition=Q(reporter__isnull=False) | Q(api_key__isnull=False), name="report_has_a_source"
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True))
                | (Q(lat__gte=-90) & Q(lat__lte=90) & Q(lng__gte=-180) & Q(lng__lte=180)),
                name="report_lat_lng_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                name="report_duplicate_has_original",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="report_status_idx"),
            models.Index(fields=["category", "status", "lat", "lng"], name="report_nearby_idx"),
            # The triage list and Open311 with an API key: newest first, off the index.
            models.Index(fields=["-created_at", "-id"], name="report_recent_idx"),
            search_index("address", name="report_address_search_idx"),
            search_index("description", name="report_text_search_idx"),
            # Open311 and the map without a key show only the public statuses (governance.selectors
            # PUBLIC_STATUSES): one index range for the three statuses, newest first, no top-N sort.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(status__in=["accepted", "dispatched", "resolved"]),
                name="report_public_recent_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and timezone.now() > self.due_at

    @property
    def status_family(self) -> str:
        from core.timeline import Family

        return {
            self.Status.SUBMITTED: Family.WAITING,
            self.Status.ACCEPTED: Family.PROGRESS,
            self.Status.DISPATCHED: Family.PROGRESS,
            self.Status.RESOLVED: Family.DONE,
            self.Status.REJECTED: Family.REFUSED,
            self.Status.DUPLICATE: Family.REFUSED,
        }[self.Status(self.status)]

    def can_reopen(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.RESOLVED
            and self.resolved_at is not None
            and now <= self.resolved_at + REOPEN_WINDOW
        )


def photo_path(instance, filename: str) -> str:
    return f"governance/reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class ReportPhoto(models.Model):
    """A re-encoded photo (EXIF gone) with its thumbnail; private, served only through a checked view."""

    class Kind(models.TextChoices):
        PROBLEM = "problem", _("Photo of the problem")
        FIX = "fix", _("Photo of the fix")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PROBLEM)
    image = models.FileField(_("photo"), upload_to=photo_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ReportUpdate(models.Model):
    """One change of a report, with a note the reporter sees. Written by actions only."""

    class Role(models.TextChoices):
        REPORTER = "reporter", _("You")
        GRID_ADMIN = "grid_admin", _("Grid admin")
        DEPARTMENT = "department", _("Responsible department")
        PARTNER = "partner", _("Partner system")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=12, choices=Report.Status.choices)
    note = models.TextField(_("note"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acted by"),
    )
    actor_role = models.CharField(_("by"), max_length=12, choices=Role.choices)
    photo = models.ForeignKey(ReportPhoto, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("report update")
        verbose_name_plural = _("report updates")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.report_id} {self.get_status_display()}"


class ReportFollow(models.Model):
    """A grid member who saw the same problem follows the open report instead of filing a duplicate."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reportfollow_once")]

    def __str__(self) -> str:
        return f"{self.user} → #{self.report_id}"
