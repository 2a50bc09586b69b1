"""Mainland mobile numbers: stored as E.164 (+86...), shown as 138 0000 0001."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.validation import normalize_typed

INVALID_MOBILE = _("Please enter an 11-digit mainland mobile number, such as 138 0000 0001.")

_SEPARATORS = re.compile(r"[\s\-()]")
# ASCII digits only: \d would also take other scripts' digits, which the database refuses.
_MAINLAND_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def normalize_mobile(raw: str) -> str:
    """Return the number as +86XXXXXXXXXXX, or raise ValidationError.

    NFKC first: Chinese input methods often type full-width digits (１３８…, ＋８６).
    """
    digits = _SEPARATORS.sub("", normalize_typed(raw))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MAINLAND_MOBILE.fullmatch(digits):
        raise ValidationError(INVALID_MOBILE, code="invalid_phone")
    return "+86" + digits


def normalize_mobile_or_keep(raw: str) -> str:
    """For lookups (admin search, login by natural key): normalise when it is a mobile number."""
    try:
        return normalize_mobile(raw)
    except ValidationError:
        return raw


def format_local(e164: str) -> str:
    """+8613800000001 -> 138 0000 0001 (how people write it)."""
    if not e164:
        return ""
    local = e164.removeprefix("+86")
    if len(local) != 11:
        return e164
    return f"{local[:3]} {local[3:7]} {local[7:]}"
