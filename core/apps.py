from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from core import migration_history, signals  # noqa: F401  (history check; celery heartbeat on start)
        from core.validation import keep_autocomplete_choices_valid

        keep_autocomplete_choices_valid()
