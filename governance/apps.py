from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self):
        from core import outage, validation
        from governance.open311 import bad_input, outage_error

        outage.register_responder("/open311/", outage_error)
        validation.register_responder("/open311/", bad_input)
