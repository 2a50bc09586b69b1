"""What 随手帮 and 随口说 earn on the points ledger (points.registry)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from points.registry import Rule, register_kind, register_source
from voice.models import HelpDeed, HelpRequest, Opinion

HELP_VERIFIED = "help_verified"
HELP_REQUEST_CONFIRMED = "help_request_confirmed"
OPINION_ADOPTED = "opinion_adopted"


def register() -> None:
    register_kind(HELP_VERIFIED, _("Help on the way verified"), rule=Rule(5, "随手帮被核实"))
    register_kind(
        HELP_REQUEST_CONFIRMED,
        _("Help request done and confirmed"),
        rule=Rule(10, "随手帮求助完成并确认"),
    )
    register_kind(OPINION_ADOPTED, _("Opinion adopted"), rule=Rule(10, "随口说被采纳"))
    register_source(HelpDeed, page=lambda deed: reverse("voice:deed_detail", args=[deed.pk]))
    register_source(HelpRequest, page=lambda request: reverse("voice:request_detail", args=[request.pk]))
    register_source(Opinion, page=lambda opinion: reverse("voice:opinion_detail", args=[opinion.pk]))
