from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # History check; celery heartbeat on start; the request id forgotten when a request ends.
        from core import logs, migration_history, signals  # noqa: F401
        from core.validation import keep_autocomplete_choices_valid, refuse_control_characters_in_every_form

        keep_autocomplete_choices_valid()
        refuse_control_characters_in_every_form()
        register_interfaces()


def register_interfaces() -> None:
    """The error shapes of the interfaces core itself serves (OneRoster and Open311: their apps)."""
    from core import outage, validation
    from core.interfaces import Interface, register, register_pages

    register_pages(Interface("", outage.page_unavailable, validation.page_bad_input, check_form_body=False))
    register(Interface("/api/", outage.json_unavailable, validation.json_bad_input))
    register(Interface("/oauth/", outage.oauth_unavailable, validation.oauth_bad_input))
