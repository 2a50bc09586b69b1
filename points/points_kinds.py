"""The ledger's own kinds: lines staff write by hand and spending with no kind of its own."""

from django.utils.translation import gettext_lazy as _

from points.registry import register_kind

ADJUSTMENT = "adjustment"
SPEND = "spend"


def register() -> None:
    register_kind(ADJUSTMENT, _("Adjustment by staff"))
    register_kind(SPEND, _("Points spent"))
