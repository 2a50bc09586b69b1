from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self) -> None:
        from core.interfaces import Interface, register
        from governance import points_kinds, signals
        from governance.open311 import bad_input, outage_error

        signals.connect()

        register(Interface("/open311/", unavailable=outage_error, bad_input=bad_input))
        points_kinds.register()
