from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from academy.models import Enrolment, Intake
from accounts.models import Occupation
from core.models import TimeStampedModel

# The district's policy: no learner receives more than this, whatever the scheme says.
ABSOLUTE_CAP = Decimal("10000.00")


class Scheme(TimeStampedModel):
    name = models.CharField(_("name"), max_length=80, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    default_cap = models.DecimalField(
        _("cap per learner (yuan)"), max_digits=9, decimal_places=2, default=ABSOLUTE_CAP
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=18)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), default=45)
    min_months_in_trade = models.PositiveSmallIntegerField(_("minimum months in the trade"), default=6)
    requires_district_work = models.BooleanField(_("must work in the district"), default=True)
    requires_union_membership = models.BooleanField(_("trade-union membership required"), default=False)
    requires_employment_proof = models.BooleanField(_("proof of employment required"), default=True)
    intakes = models.ManyToManyField(Intake, verbose_name=_("intakes funded"), related_name="subsidy_schemes")
    is_open = models.BooleanField(_("open for applications"), default=True)

    class Meta:
        verbose_name = _("subsidy scheme")
        verbose_name_plural = _("subsidy schemes")
        ordering = ["-year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(default_cap__gt=0, default_cap__lte=ABSOLUTE_CAP), name="scheme_cap_within_policy"
            ),
            models.CheckConstraint(condition=Q(min_age__lte=F("max_age")), name="scheme_age_range"),
        ]

    def __str__(self) -> str:
        return self.name


class OccupationCap(models.Model):
    """Which occupations a scheme funds, and up to how much each (couriers and riders first)."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="occupation_caps"
    )
    occupation = models.CharField(_("occupation"), max_length=20, choices=Occupation.choices)
    cap = models.DecimalField(_("cap (yuan)"), max_digits=9, decimal_places=2)
    priority = models.PositiveSmallIntegerField(_("priority (1 = first)"), default=1)

    class Meta:
        verbose_name = _("occupation cap")
        verbose_name_plural = _("occupation caps")
        ordering = ["priority", "occupation"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "occupation"], name="occupation_cap_unique"),
            models.CheckConstraint(
                condition=Q(cap__gt=0, cap__lte=ABSOLUTE_CAP), name="occupation_cap_within_policy"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_occupation_display()} ≤ {self.cap}"


class Budget(TimeStampedModel):
    """The scheme's pool. Committed never exceeds total: a CHECK here, a row lock in every approval."""

    scheme = models.OneToOneField(
        Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="budget"
    )
    total = models.DecimalField(_("total (yuan)"), max_digits=12, decimal_places=2)
    committed = models.DecimalField(
        _("committed (yuan)"), max_digits=12, decimal_places=2, default=0, editable=False
    )
    paid = models.DecimalField(_("paid (yuan)"), max_digits=12, decimal_places=2, default=0, editable=False)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.CheckConstraint(condition=Q(committed__gte=0, paid__gte=0), name="budget_not_negative"),
            models.CheckConstraint(
                condition=Q(committed__lte=F("total")), name="budget_committed_within_total"
            ),
            models.CheckConstraint(
                condition=Q(paid__lte=F("committed")), name="budget_paid_within_committed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}: {self.committed}/{self.total}"

    @property
    def remaining(self) -> Decimal:
        return self.total - self.committed


def document_path(application: "SubsidyApplication", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower()
    return (
        f"subsidies/{application.applicant_id}/{application.pk}-{timezone.now():%Y%m%d%H%M%S%f}.{extension}"
    )


class SubsidyApplication(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for more information")
        CHECKED = "checked", _("Checked")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        APPEALED = "appealed", _("Appeal lodged")
        DISBURSING = "disbursing", _("Being paid")
        PAID = "paid", _("Paid in full")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Statuses that hold money of the budget (committed).
    COMMITTED = (Status.APPROVED, Status.DISBURSING, Status.PAID)

    enrolment = models.OneToOneField(
        Enrolment,
        verbose_name=_("enrolment application"),
        on_delete=models.PROTECT,
        related_name="subsidy_application",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="subsidy_applications",
    )
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Money as it was when the worker submitted: amount = min(occupation cap, tuition).
    occupation = models.CharField(_("occupation"), max_length=20, choices=Occupation.choices, blank=True)
    tuition = models.DecimalField(_("tuition (yuan)"), max_digits=9, decimal_places=2, default=0)
    cap = models.DecimalField(_("cap (yuan)"), max_digits=9, decimal_places=2, default=0)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=9, decimal_places=2, default=0)
    employment_proof = models.FileField(_("proof of employment"), upload_to=document_path, blank=True)
    union_proof = models.FileField(_("trade-union membership proof"), upload_to=document_path, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason given to the worker"), blank=True)
    appeal_reason = models.TextField(_("appeal"), blank=True)
    appeal_used = models.BooleanField(_("appeal used"), default=False)

    class Meta:
        verbose_name = _("subsidy application")
        verbose_name_plural = _("subsidy applications")
        ordering = ["-submitted_at", "-id"]
        permissions = [
            ("check_subsidyapplication", _("Can check subsidy applications (first review)")),
            ("approve_subsidyapplication", _("Can approve or reject checked subsidy applications")),
        ]
        constraints = [
            # The cap rules, held by the database as well as by the form and the actions.
            models.CheckConstraint(
                condition=Q(amount__gte=0, amount__lte=F("cap"), cap__lte=ABSOLUTE_CAP),
                name="subsidy_amount_within_cap",
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=F("tuition")), name="subsidy_amount_within_tuition"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(amount__gt=0), name="subsidy_submitted_has_amount"
            ),
            models.CheckConstraint(
                condition=Q(checked_by__isnull=True)
                | Q(decided_by__isnull=True)
                | ~Q(checked_by=F("decided_by")),
                name="subsidy_four_eyes",
            ),
        ]
        # The admin queue orders by submission, newest first: these indexes let PostgreSQL read a
        # page (whole list or one status) straight off the index instead of sorting the table.
        indexes = [
            models.Index(F("submitted_at").desc(nulls_last=True), F("id").desc(), name="subsidy_recent_idx"),
            models.Index(
                "status", F("submitted_at").desc(nulls_last=True), F("id").desc(), name="subsidy_queue_idx"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Application %(id)s · %(name)s · ¥%(amount)s") % {
            "id": self.pk,
            "name": self.applicant.real_name or self.applicant_id,
            "amount": f"{self.amount or 0:,.2f}",
        }


class ApplicationEvent(models.Model):
    """Every change of status or money: who, when and why. Append-only."""

    application = models.ForeignKey(
        SubsidyApplication,
        verbose_name=_("subsidy application"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    from_status = models.CharField(
        _("from"), max_length=12, choices=SubsidyApplication.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=SubsidyApplication.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=9, decimal_places=2, null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("subsidy status change")
        verbose_name_plural = _("subsidy history")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


class Instalment(TimeStampedModel):
    """One study year's share of the approved amount: pending until that year's credits are recorded."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for credits")
        PAYABLE = "payable", _("Payable")
        PAID = "paid", _("Paid")

    application = models.ForeignKey(
        SubsidyApplication,
        verbose_name=_("subsidy application"),
        on_delete=models.PROTECT,
        related_name="instalments",
    )
    study_year = models.PositiveSmallIntegerField(_("study year"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=9, decimal_places=2)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    payable_at = models.DateTimeField(_("payable since"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    paid_on = models.DateField(_("payment date"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paid by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["application", "study_year"]
        permissions = [("pay_instalment", _("Can mark instalments as paid"))]
        constraints = [
            models.UniqueConstraint(fields=["application", "study_year"], name="instalment_one_per_year"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="paid") | (~Q(payment_reference="") & Q(paid_on__isnull=False)),
                name="instalment_paid_has_reference",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Application %(id)s, study year %(year)s: ¥%(amount)s") % {
            "id": self.application_id,
            "year": self.study_year,
            "amount": f"{self.amount:,.2f}",
        }
