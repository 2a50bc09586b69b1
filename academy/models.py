from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application

from accounts.models import Education
from core.models import TimeStampedModel
from core.typing import StrOrPromise


class University(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=40)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("university")
        verbose_name_plural = _("universities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    ASSOCIATE = "associate", _("Associate")
    BACHELOR = "bachelor", _("Bachelor")


# The least prior education each level admits (policy of the partner university). Keyed by
# str: a programme's `level` column holds the plain value, and a Level member equals it.
MINIMUM_EDUCATION: dict[str, Education] = {
    Level.ASSOCIATE: Education.SENIOR_HIGH,
    Level.BACHELOR: Education.ASSOCIATE,
}


class Programme(TimeStampedModel):
    university = models.ForeignKey(
        University, verbose_name=_("university"), on_delete=models.PROTECT, related_name="programmes"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    major = models.CharField(_("major"), max_length=60)
    tuition = models.DecimalField(_("tuition (yuan, whole programme)"), max_digits=9, decimal_places=2)
    duration_years = models.DecimalField(
        _("duration (years)"), max_digits=3, decimal_places=1, default=Decimal("2.5")
    )
    credits_required = models.PositiveSmallIntegerField(_("credits required"), default=80)
    description = models.TextField(_("description"))
    study_mode = models.TextField(_("how classes work"))
    is_active = models.BooleanField(_("open for applications"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["level", "major"]
        constraints = [
            models.UniqueConstraint(fields=["university", "level", "major"], name="programme_unique_major"),
            models.CheckConstraint(condition=Q(tuition__gt=0), name="programme_tuition_positive"),
            models.CheckConstraint(condition=Q(duration_years__gt=0), name="programme_duration_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.major}（{self.get_level_display()}）"

    @property
    def minimum_education(self) -> str:
        return MINIMUM_EDUCATION[self.level]

    def get_minimum_education_display(self) -> StrOrPromise:
        return Education(self.minimum_education).label


class Intake(TimeStampedModel):
    name = models.CharField(_("name"), max_length=40, unique=True)
    applications_open_at = models.DateTimeField(_("applications open"))
    applications_close_at = models.DateTimeField(_("applications close"))
    starts_on = models.DateField(_("classes start"))

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(applications_close_at__gt=models.F("applications_open_at")),
                name="intake_window_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.applications_open_at <= at < self.applications_close_at


class Offering(TimeStampedModel):
    """A programme offered in an intake, with a seat limit the database holds."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="offerings"
    )
    intake = models.ForeignKey(
        Intake, verbose_name=_("intake"), on_delete=models.PROTECT, related_name="offerings"
    )
    seat_limit = models.PositiveIntegerField(_("seats"))
    # Admitted, enrolled and completed places; changed only under a row lock in academy.actions.
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["intake", "programme"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "intake"], name="offering_unique_programme_intake"),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=models.F("seat_limit")), name="offering_seats_not_exceeded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.intake}"

    @property
    def seats_left(self) -> int:
        return self.seat_limit - self.seats_taken


def certificate_path(enrolment: "Enrolment", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower()
    return (
        f"academy/certificates/{enrolment.worker_id}/{enrolment.pk}-{timezone.now():%Y%m%d%H%M%S}.{extension}"
    )


class Enrolment(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ADMITTED = "admitted", _("Admitted")
        WAITLISTED = "waitlisted", _("Waitlisted")
        REJECTED = "rejected", _("Not admitted")
        ENROLLED = "enrolled", _("Enrolled")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Statuses that end an application: a worker may apply again to the same intake.
    ENDED = (Status.REJECTED, Status.WITHDRAWN)
    # Statuses that hold a seat of the offering.
    SEATED = (Status.ADMITTED, Status.ENROLLED, Status.COMPLETED)

    class Step(models.IntegerChoices):
        CHOOSE = 1, _("Choose programme")
        CERTIFICATE = 2, _("Upload certificate")
        REVIEW = 3, _("Review and confirm")
        DONE = 4, _("Submitted")

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.PROTECT, related_name="enrolments"
    )
    # Copied from the offering so that the database can hold "one live enrolment per intake".
    intake = models.ForeignKey(
        Intake, verbose_name=_("intake"), on_delete=models.PROTECT, related_name="enrolments", editable=False
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    draft_step = models.PositiveSmallIntegerField(
        _("draft step"), choices=Step.choices, default=Step.CERTIFICATE
    )
    certificate = models.FileField(_("prior-education certificate"), upload_to=certificate_path, blank=True)
    certificate_content_type = models.CharField(max_length=40, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    student_number = models.CharField(_("student number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        permissions = [("decide_enrolment", _("Can admit, waitlist or reject applications"))]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "intake"],
                condition=~Q(status__in=["rejected", "withdrawn"]),
                name="enrolment_one_live_per_intake",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["enrolled", "completed"]) | ~Q(student_number=""),
                name="enrolment_enrolled_has_student_number",
            ),
        ]
        # The admin list's order (submitted first, newest first, drafts last) straight off an index,
        # for the whole list and for one status: no sort of the table, whatever its size.
        indexes = [
            models.Index(fields=["status", "-submitted_at"], name="enrolment_queue_idx"),
            models.Index(
                F("submitted_at").desc(nulls_last=True), F("id").desc(), name="enrolment_recent_idx"
            ),
            models.Index(
                "status",
                F("submitted_at").desc(nulls_last=True),
                F("id").desc(),
                name="enrolment_status_recent_idx",
            ),
            # The partner door's OneRoster pages skip rows by OFFSET in key order: this index holds
            # everything the skipped rows are tested on (status for visibility, the offering for
            # the university), so the walk and the COUNT read it alone once the visibility map is
            # set (index-only), never the wide heap rows.
            models.Index(fields=["id"], include=["offering", "status"], name="enrolment_partner_walk_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.offering}"

    @property
    def is_undecided(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SUBMITTED, self.Status.WAITLISTED)


class EnrolmentEvent(models.Model):
    """Status history: who moved the application, when, and why. Append-only."""

    class Role(models.TextChoices):
        WORKER = "worker", _("You")
        STAFF = "staff", _("Academy office")
        UNIVERSITY = "university", _("University")
        SYSTEM = "system", _("System")

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("application"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=12, choices=Enrolment.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Enrolment.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


class CreditRecord(TimeStampedModel):
    """Credits a student earned in one study year, as reported by the university (or staff)."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("application"), on_delete=models.PROTECT, related_name="credit_records"
    )
    study_year = models.PositiveSmallIntegerField(_("study year"))
    credits = models.DecimalField(_("credits"), max_digits=5, decimal_places=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_role = models.CharField(_("role"), max_length=12, choices=EnrolmentEvent.Role.choices)

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        ordering = ["enrolment", "study_year"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "study_year"], name="credits_one_per_study_year"),
            models.CheckConstraint(
                condition=Q(study_year__gte=1, study_year__lte=6), name="credits_study_year_range"
            ),
            models.CheckConstraint(condition=Q(credits__gte=0, credits__lte=200), name="credits_range"),
        ]

    def __str__(self) -> str:
        return gettext("Application %(id)s, study year %(year)s: %(credits)s credits") % {
            "id": self.enrolment_id,
            "year": self.study_year,
            "credits": self.credits,
        }


class ApiClient(TimeStampedModel):
    """An OAuth 2.0 client (django-oauth-toolkit application) acting for one partner university.

    Every partner API request is scoped to `university`; what the client may ask
    for is limited to the scopes switched on here (academy.api.oauth)."""

    application = models.OneToOneField(
        "oauth2_provider.Application",
        verbose_name=_("OAuth application"),
        on_delete=models.CASCADE,
        related_name="university_client",
    )
    university = models.ForeignKey(
        University, verbose_name=_("university"), on_delete=models.PROTECT, related_name="api_clients"
    )
    can_read_sensitive = models.BooleanField(
        _("may read full ID numbers (of students who consented)"), default=False
    )
    can_write = models.BooleanField(_("may write back student numbers, status and credits"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("university API client")
        verbose_name_plural = _("university API clients")
        ordering = ["university", "application"]

    def __str__(self) -> str:
        return f"{self.university.short_name} · {self.application.client_id}"

    @property
    def allowed_scopes(self) -> list[str]:
        # The OneRoster names beside ours (academy.api.oauth): a standard client asks for those.
        oneroster = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
        scopes = ["roster:read", oneroster + "roster.readonly", oneroster + "roster-core.readonly"]
        if self.can_read_sensitive:
            # Demographics (birth date from the ID number) are as sensitive as the ID number itself.
            scopes += ["roster:sensitive", oneroster + "roster-demographics.readonly"]
        if self.can_write:
            scopes += ["roster:write", oneroster + "gradebook.createput"]
        return scopes


class OAuthApplication(Application):
    """The OAuth applications of the partner API, under their Chinese name in admin (issue 19)."""

    class Meta:
        proxy = True
        verbose_name = _("OAuth application")
        verbose_name_plural = _("OAuth applications")
