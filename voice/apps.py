from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VoiceConfig(AppConfig):
    name = "voice"
    verbose_name = _("Grid voice and help")

    def ready(self) -> None:
        from voice import points_kinds

        points_kinds.register()
