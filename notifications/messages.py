"""The catalogue of messages people get: each kind's subject and body, rendered in the reader's language.

A kind is a key, a subject and a body (gettext_lazy templates with named %(params)s) and example
params (which the catalogue test renders every kind with). Each app declares its kinds in its own
`messages.py`, which NotificationsConfig.ready() imports through the app registry; so this module
names no app above it, and a caller passes a key and params, never a text or a language.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    key: str
    subject: Promise | str
    body: Promise | str  # a plain str only for a body that is all params, e.g. "%(reply)s"
    example: Mapping[str, object] = field(default_factory=dict)
    # False for the kinds with their own send function (the SMS codes: encrypted, in the requester's
    # language): notify() refuses them.
    via_notify: bool = True


_KINDS: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    for kind in kinds:
        if _KINDS.get(kind.key, kind) != kind:
            raise ImproperlyConfigured(f"message kind {kind.key!r} is registered twice")
        _KINDS[kind.key] = kind


def get(key: str) -> Kind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"unknown message kind {key!r}: declare it in the app's messages.py") from None


def kinds() -> list[Kind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.key)


def recipient_language(user) -> str:
    """Workers read the portal's language (accounts.User stores no preferred language)."""
    return settings.LANGUAGE_CODE


def _text(value):
    """A param as the reader reads it: dates in the reader's format, lazy texts (and objects whose
    str() translates, such as a programme with its level) rendered in the reader's language by the
    formatting itself; numbers stay numbers for %(…)d."""
    if isinstance(value, datetime):
        local = timezone.localtime(value)
        return f"{date_format(local, 'DATE_FORMAT')} {date_format(local, 'H:i')}"
    if isinstance(value, date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, Promise):
        return str(value)
    return value


def render(key: str, params: Mapping[str, object] | None = None, *, language: str) -> tuple[str, str]:
    """(subject, body) of a kind in `language`. A param the template names but the caller left out
    raises KeyError: a message never goes out with a %(…)s in it. An optional last param left
    empty leaves no trailing space."""
    kind = get(key)
    with translation.override(language):
        values = {name: _text(value) for name, value in (params or {}).items()}
        return (str(kind.subject) % values).strip(), (str(kind.body) % values).strip()


# --- the kinds of notifications itself: the SMS codes -----------------------------------------

register(
    Kind(
        "sms_code",
        _("Verification code"),
        _("[Courier Academy] Your verification code is %(code)s, valid for 5 minutes. Do not share it."),
        example={"code": "123456"},
        via_notify=False,
    ),
    Kind(
        "sms_account_exists",
        _("Sign-up with your number"),
        _(
            "[Courier Academy] Someone tried to sign up with this number, but you already have an "
            "account: log in with an SMS code instead. If it was not you, you can ignore this message."
        ),
        via_notify=False,
    ),
)
