from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # Each app declares its message kinds in its own messages.py (see notifications.messages).
        autodiscover_modules("messages")
        from notifications import checks  # noqa: F401 (registers the SMS provider check)
