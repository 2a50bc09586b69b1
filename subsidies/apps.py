from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Tuition subsidies")

    def ready(self) -> None:
        from subsidies import actions  # noqa: F401  (connects the credits → instalment receiver)
