"""What the rewards store spends and returns on the points ledger (points.registry).

Its amounts are the rewards' prices, so neither kind has a rule staff set.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from points.registry import register_kind, register_source
from rewards.models import Voucher

REWARD_REDEEMED = "reward_redeemed"
VOUCHER_REFUND = "voucher_refund"


def register() -> None:
    register_kind(REWARD_REDEEMED, _("Reward redeemed"))
    register_kind(VOUCHER_REFUND, _("Voucher not used: points returned"))
    register_source(Voucher, page=_voucher_page)


def _voucher_page(voucher: Voucher) -> str:
    return reverse("rewards:voucher", args=[voucher.pk])
