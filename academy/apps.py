from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AcademyConfig(AppConfig):
    name = "academy"
    verbose_name = _("Academy")

    def ready(self):
        from academy.oneroster.views import bad_input, outage_error
        from core import outage, validation

        outage.register_responder("/ims/oneroster/", outage_error)
        validation.register_responder("/ims/oneroster/", bad_input)
