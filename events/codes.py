"""Short-lived check-in codes shown at the venue.

A code is 6 digits of HMAC-SHA256(SECRET_KEY, event id + time window). A new
window starts every WINDOW_SECONDS; the current and the previous window are
accepted, so a code read just before the screen changes still works. Nothing is
stored: the venue screen and the check-in both compute the code.
"""

import hashlib
import hmac
from datetime import datetime

from django.conf import settings
from django.utils import timezone

WINDOW_SECONDS = 60
# How far back an old code is still recognised as "expired" rather than "wrong" (one day).
EXPIRED_LOOKBACK_WINDOWS = 24 * 60

OK, EXPIRED, WRONG = "ok", "expired", "wrong"


def window_of(at: datetime | None = None) -> int:
    at = at or timezone.now()
    return int(at.timestamp()) // WINDOW_SECONDS


def seconds_left(at: datetime | None = None) -> int:
    """Seconds until the code on the screen changes (1..WINDOW_SECONDS)."""
    at = at or timezone.now()
    return WINDOW_SECONDS - int(at.timestamp()) % WINDOW_SECONDS


def code_for_window(event_id: int, window: int) -> str:
    message = f"events.checkin:{event_id}:{window}".encode()
    secret = settings.SECRET_KEY
    assert secret is not None, "config/settings.py refuses to start in production without DJANGO_SECRET_KEY"
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def checkin_code(event_id: int, at: datetime | None = None) -> str:
    """The code the venue screen shows now (or at `at`) for this event."""
    return code_for_window(event_id, window_of(at))


def is_current(event_id: int, code: str, at: datetime | None = None) -> bool:
    window = window_of(at)
    return any(hmac.compare_digest(code, code_for_window(event_id, w)) for w in (window, window - 1))


def verify(event_id: int, code: str, *, opened_at: datetime, at: datetime | None = None) -> str:
    """OK for the current or previous window; EXPIRED for an older window since check-in opened."""
    if is_current(event_id, code, at):
        return OK
    window = window_of(at)
    oldest = max(window_of(opened_at), window - EXPIRED_LOOKBACK_WINDOWS)
    for old in range(window - 2, oldest - 1, -1):
        if hmac.compare_digest(code, code_for_window(event_id, old)):
            return EXPIRED
    return WRONG
