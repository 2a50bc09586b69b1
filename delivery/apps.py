from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("Delivery guide map")

    def ready(self) -> None:
        from delivery import messages, points_kinds  # noqa: F401  (messages register on import)

        points_kinds.register()
