"""One-time SMS codes for sign-up and login: sent once, afterwards kept only as a keyed hash.

django-allauth keeps whatever the adapter's `generate_phone_verification_code` returns in
the login stage of the session and hands it to `send_verification_code_sms` and, later, to
the confirm form as the expected code. We return a *token* instead of the code:

    smsc1:<attempt>:<issued at>:<phone>:<HMAC-SHA256 of attempt, time, phone and code>

The attempt id is random per code, so the hash is bound to this one login attempt and this
one phone number; the code itself never reaches the session, the database or a log. The
clear code lives only in the memory of the request that generates it, until
`send_verification_code_sms` takes it out and hands it to the outbox (which keeps it
encrypted until delivery, then wipes it: notifications.actions.sms_code_send).

A code is valid for SMS_CODE_VALID_SECONDS, counts at most the allowed guesses (allauth's
MAX_ATTEMPTS per login attempt) and works once (`mark_used`).
"""

import enum
import secrets
import string
import time

from allauth.core import context
from allauth.core.internal.cryptokit import generate_user_code
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac

from core.validation import normalize_typed

VERSION = "smsc1"
_HMAC_SALT = "xiaoge.accounts.sms_codes"
_PENDING_ATTRIBUTE = "_xiaoge_sms_codes"
_USED_KEY = "xiaoge:sms-code-used:{attempt}"
# Typed around a code by people (and some SMS apps): dropped before comparing.
_IGNORED = str.maketrans("", "", string.whitespace + "-")


class Check(enum.Enum):
    RIGHT = "right"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"


def _digest(*, attempt: str, issued: int, phone: str, code: str) -> str:
    message = f"{attempt}|{issued}|{phone}|{code}"
    return salted_hmac(_HMAC_SALT, message, algorithm="sha256").hexdigest()


def normalize_code(raw: str) -> str:
    """NFKC (full-width ０１２３４５ -> 012345), without spaces or dashes."""
    return normalize_typed(raw).translate(_IGNORED)


def issue(*, phone: str) -> str:
    """A new code for this phone number: returns its token; the code waits for `take_code`."""
    code = generate_user_code(**settings.SMS_CODE_FORMAT)
    attempt = secrets.token_hex(8)
    issued = int(time.time())
    token = f"{VERSION}:{attempt}:{issued}:{phone}:{_digest(attempt=attempt, issued=issued, phone=phone, code=code)}"
    # On the request, not in a module global: it dies with the request if nothing sends it.
    pending = context.request.__dict__.setdefault(_PENDING_ATTRIBUTE, {})
    pending.clear()
    pending[token] = code
    return token


def take_code(token: str) -> str:
    """The clear code of a token issued in this request, once (KeyError otherwise)."""
    return context.request.__dict__.get(_PENDING_ATTRIBUTE, {}).pop(token)


def _parse(token: str) -> tuple[str, int, str, str] | None:
    parts = (token or "").split(":")
    if len(parts) != 5 or parts[0] != VERSION or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2]), parts[3], parts[4]


def check(*, token: str, code: str, phone: str | None = None) -> Check:
    """Is `code` the one this token stands for, still valid and unused?

    `phone`, when given, must be the token's: a code is never good for another number.
    """
    parsed = _parse(token)
    if parsed is None:  # no code was sent (an unknown number) or a token of an older format
        return Check.WRONG
    attempt, issued, token_phone, digest = parsed
    if phone is not None and phone != token_phone:
        return Check.WRONG
    if time.time() - issued > settings.SMS_CODE_VALID_SECONDS:
        return Check.EXPIRED
    expected = _digest(attempt=attempt, issued=issued, phone=token_phone, code=normalize_code(code))
    if not constant_time_compare(expected, digest):
        return Check.WRONG
    if cache.get(_USED_KEY.format(attempt=attempt)):
        return Check.USED
    return Check.RIGHT


def mark_used(token: str) -> bool:
    """Spend the token's code; False when it was already spent (a replay)."""
    parsed = _parse(token)
    if parsed is None:
        return False
    return cache.add(_USED_KEY.format(attempt=parsed[0]), True, timeout=settings.SMS_CODE_VALID_SECONDS + 60)
