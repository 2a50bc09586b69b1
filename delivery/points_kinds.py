"""What the delivery map earns on the points ledger: an accepted correction (points.registry)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from delivery.models import Correction
from points.registry import Rule, register_kind, register_source

CORRECTION_ACCEPTED = "delivery_correction_accepted"


def register() -> None:
    register_kind(
        CORRECTION_ACCEPTED,
        _("Delivery map correction accepted"),
        rule=Rule(5, "配送地图纠错被采纳"),
    )
    register_source(Correction, page=_correction_page)


def _correction_page(correction: Correction) -> str:
    return reverse("delivery:correction", args=[correction.pk])
