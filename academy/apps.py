from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcademyConfig(AppConfig):
    name = "academy"
    verbose_name = _("Academy")

    def ready(self):
        from academy.oneroster.views import outage_error
        from core import outage

        outage.register_responder("/ims/oneroster/", outage_error)
