from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self):
        from core import outage
        from governance.open311 import outage_error

        outage.register_responder("/open311/", outage_error)
