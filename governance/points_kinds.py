"""What governance earns on the points ledger: an accepted street report (points.registry)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from governance.models import Report
from points.registry import Rule, register_kind, register_source

REPORT_ACCEPTED = "report_accepted"


def register() -> None:
    register_kind(
        REPORT_ACCEPTED,
        _("Street report accepted"),
        rule=Rule(10, "随手报被受理"),
    )
    register_source(Report, page=_report_page)


def _report_page(report: Report) -> str:
    return reverse("governance:report_detail", args=[report.pk])
