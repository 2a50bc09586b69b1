"""The points ledger (积分): rules, one account per person, the append-only ledger.

The ledger names no app that uses it: the reasons of its lines, their labels and the rules
staff set come from the kinds each app registers (points/registry.py).
"""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.indexes import search_index
from core.typing import StrOrPromise
from points import registry

APPEND_ONLY = "The points ledger is append-only: add a correcting entry instead."


class PointRule(models.Model):
    """How many points one kind of event is worth; staff set the amounts in admin."""

    # A kind registered with a Rule (points.registry.rule_kinds); every migrate adds the missing rows.
    event = models.CharField(_("event"), max_length=40, unique=True)
    # 0 turns an award off; a rule never takes points away (spending goes through the store).
    amount = models.IntegerField(_("points"), validators=[MinValueValidator(0)])
    description = models.CharField(_("description"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["event"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="pointrule_amount_not_negative")
        ]

    def __str__(self) -> str:
        return f"{registry.label(self.event)}: {self.amount}"


class PointAccount(models.Model):
    """One row per person: the lock that serialises their points, and the running balance.

    The ledger (PointEntry) is the truth; the balance here equals its sum and is
    updated in the same transaction under a row lock. The CHECK constraint is the
    last line of defence against a negative balance.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_account", primary_key=True
    )
    balance = models.IntegerField(_("balance"), default=0)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="pointaccount_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.balance}"


class PointEntry(models.Model):
    """One line of the append-only points ledger (积分): who, how many, why, for what, when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="point_entries",
        verbose_name=_("person"),
    )
    amount = models.IntegerField(_("points"))
    # A registered kind (points.registry); points_add refuses any other.
    reason = models.CharField(_("reason"), max_length=40)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("source"),
    )
    source_id = models.CharField(_("source number"), max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    # Set for events that may count only once (e.g. "report_accepted:<id>"): the
    # unique constraint makes a second award impossible even under a race.
    once_key = models.CharField(max_length=120, null=True, blank=True, unique=True, editable=False)
    balance_after = models.IntegerField(_("balance after"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-created_at", "-id"]
        # District staff (grid admins) read every line; station staff only the lines their
        # stations' work wrote (the ledger admin stations/admin.py registers, through its door).
        permissions = [("view_all_points", _("Can read the whole points ledger"))]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="pointentry_amount_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="pointentry_balance_not_negative"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="pointentry_user_idx"),
            # The admin list's order (and its month filter's range): no sort of the whole ledger.
            models.Index(fields=["-created_at", "-id"], name="pointentry_recent_idx"),
            search_index("source_id", name="pointentry_source_search_idx"),
        ]

    def __str__(self) -> str:
        # No phone number here: admin shows this text to station staff (titles, inline rows).
        return f"{self.user.real_name or self.user_id}: {self.amount:+d}（{self.reason_display}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(APPEND_ONLY)

    @property
    def reason_display(self) -> StrOrPromise:
        return registry.label(self.reason)
