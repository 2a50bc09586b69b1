"""The rewards store (积分兑换): rewards, their stock per station, vouchers, leaderboard opt-ins.

Stock and points never go negative: CHECK constraints hold the floor, the
actions lock the stock row and the points account before they change them.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Reward(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=80)
    description_zh = models.CharField(_("description (Chinese)"), max_length=200, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=200, blank=True)
    price = models.PositiveIntegerField(_("price in points"))
    is_active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=Q(price__gt=0), name="reward_price_positive")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def description(self) -> str:
        return self.description_en if (get_language() or "").startswith("en") else self.description_zh


class RewardStock(models.Model):
    """How many of a reward a station still has. Changed only by the actions, under a row lock."""

    station = models.ForeignKey(
        "stations.Station", on_delete=models.PROTECT, related_name="reward_stocks", verbose_name=_("station")
    )
    reward = models.ForeignKey(
        Reward, on_delete=models.PROTECT, related_name="stocks", verbose_name=_("reward")
    )
    quantity = models.IntegerField(_("in stock"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        ordering = ["station__name", "reward__position", "reward_id"]
        constraints = [
            models.UniqueConstraint(fields=["station", "reward"], name="rewardstock_one_per_station"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="rewardstock_quantity_not_negative"),
        ]
        permissions = [("adjust_any_stock", _("Can adjust the stock of any station"))]

    def __str__(self) -> str:
        return f"{self.station} · {self.reward}: {self.quantity}"


class Voucher(models.Model):
    """The proof of a redemption: the worker shows its code at the station to get the reward."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Ready to collect")
        HANDED_OVER = "handed_over", _("Collected")
        EXPIRED = "expired", _("Expired, points returned")
        CANCELLED = "cancelled", _("Cancelled, points returned")

    # Not a column: the QR code's SVG, set by the voucher pages for their template.
    qr: str

    # Keyed by str: the status field reads back as a plain str.
    FAMILIES: ClassVar[dict[str, str]] = {
        Status.ISSUED: "progress",
        Status.HANDED_OVER: "done",
        Status.EXPIRED: "refused",
        Status.CANCELLED: "refused",
    }

    code = models.CharField(_("voucher code"), max_length=16, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="vouchers",
        verbose_name=pgettext_lazy("rewards", "worker"),
    )
    reward = models.ForeignKey(
        Reward, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("reward")
    )
    station = models.ForeignKey(
        "stations.Station", on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("station")
    )
    price = models.PositiveIntegerField(_("points paid"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ISSUED)
    issued_at = models.DateTimeField(pgettext_lazy("rewards", "issued at"))
    expires_at = models.DateTimeField(_("collect by"))
    handed_over_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    closed_at = models.DateTimeField(_("expired or cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="voucher_price_positive"),
            models.CheckConstraint(
                condition=~Q(status="handed_over") | Q(handed_over_at__isnull=False),
                name="voucher_handed_over_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="voucher_status_expiry_idx"),
            models.Index(fields=["user", "-issued_at"], name="voucher_user_idx"),
            models.Index(fields=["-issued_at", "-id"], name="voucher_recent_idx"),  # the admin list's order
        ]
        permissions = [("confirm_handover", _("Can confirm hand-overs at any station"))]

    def __str__(self) -> str:
        return self.code

    @property
    def code_display(self) -> str:
        """Two groups of four, easier to read aloud: "ABCD EFGH"."""
        return f"{self.code[:4]} {self.code[4:]}"

    @property
    def status_family(self) -> str:
        return self.FAMILIES.get(self.status, "waiting")


class LeaderboardOptIn(models.Model):
    """A worker's choice to appear on the monthly leaderboard of their street (default: not shown)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="leaderboard_opt_in",
        primary_key=True,
        verbose_name=pgettext_lazy("rewards", "worker"),
    )
    opted_in = models.BooleanField(_("shown on the leaderboard"), default=False)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("leaderboard choice")
        verbose_name_plural = _("leaderboard choices")

    def __str__(self) -> str:
        # No phone number here: admin shows this text to station staff (titles, inline rows).
        shown = gettext("on the leaderboard") if self.opted_in else gettext("not on the leaderboard")
        return f"{self.user.real_name or self.user_id}: {shown}"
