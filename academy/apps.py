from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcademyConfig(AppConfig):
    name = "academy"
    verbose_name = _("Academy")

    def ready(self):
        from academy import signals
        from academy.oneroster.views import bad_input, outage_error
        from core.interfaces import Interface, register

        register(Interface("/ims/oneroster/", unavailable=outage_error, bad_input=bad_input))
        signals.connect()
