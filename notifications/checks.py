"""System checks: a real SMS provider chosen in SMS_BACKEND has what it needs to send."""

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

from notifications.providers import templates


@checks.register(checks.Tags.compatibility)
def sms_provider_configured(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from notifications.providers.base import ProviderSMSBackend

    try:
        backend = import_string(settings.SMS_BACKEND)
    except ImportError as error:
        return [checks.Error(f"SMS_BACKEND cannot be imported: {error}", id="notifications.E001")]
    if not (isinstance(backend, type) and issubclass(backend, ProviderSMSBackend)):
        return []
    config = getattr(settings, backend.settings_name)
    problems: list[checks.CheckMessage] = []
    missing = [name for name in backend.required if not config.get(name)]
    missing += [f"templates[{name!r}]" for name in templates.TEMPLATES if not config["templates"].get(name)]
    if missing:
        problems.append(
            checks.Error(
                f"SMS_BACKEND is {backend.provider}, but {backend.settings_name} lacks: {', '.join(missing)}",
                hint="Set the environment variables listed in the README, section SMS providers.",
                id="notifications.E002",
            )
        )
    if not config.get("receipt_token"):
        problems.append(
            checks.Warning(
                f"{backend.settings_name} has no receipt_token: every delivery receipt will be refused.",
                id="notifications.W001",
            )
        )
    return problems
