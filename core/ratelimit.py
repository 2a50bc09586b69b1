"""The portal's rate limits: one implementation, django-allauth's sliding windows in the Redis cache.

allauth already counts the login and sign-up limits with it (ACCOUNT_RATE_LIMITS), so
every other limit (the SMS budget, the OAuth token endpoint, ID number checks) goes
through the same code instead of a second counter written by hand. A rate is allauth's
syntax: "5/h/key,20/h/ip" (amount / duration s|m|h|d / per key|ip), several joined by
commas; all of them must allow the hit. The only other kind of limit here is a calendar
day counter for caps that are a budget per day, not a window.
"""

import time
from dataclasses import dataclass
from datetime import timedelta

from allauth.core.internal import ratelimit as _allauth
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

# The app name allauth puts into its cache keys; ours keep apart from allauth's own.
_APP = "xiaoge"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the next hit may be allowed (0 when allowed)


def with_per(rates: str, per: str) -> str:
    """ "1/m,5/h" with per="key" -> "1/m/key,5/h/key": the settings name each budget's subject once."""
    return ",".join(f"{rate.strip()}/{per}" for rate in rates.split(",") if rate.strip())


def consume(request: HttpRequest | None, *, action: str, rates: str, key: str | None = None) -> Verdict:
    """Count one hit against every rate of `rates`; refused when any of them is spent.

    `request` is needed only for rates per ip. A refused hit may still have used up a
    slot of an earlier rate in the list: that makes the limit stricter, never looser.
    """
    usage = _allauth.consume(
        request,
        app=_APP,
        action=action,
        config={action: rates},
        key=key,
        limit_get=True,
    )
    if usage is not None:
        return Verdict(allowed=True)
    return Verdict(allowed=False, retry_after=retry_after(request, action=action, rates=rates, key=key))


def retry_after(request: HttpRequest | None, *, action: str, rates: str, key: str | None = None) -> int:
    """Seconds until every rate has room again (at least 1)."""
    return max(1, wait_seconds(request, action=action, rates=rates, key=key))


def wait_seconds(request: HttpRequest | None, *, action: str, rates: str, key: str | None = None) -> int:
    """Seconds until one more hit would be allowed (0: allowed now). Counts nothing."""
    now = time.time()
    wait = 0.0
    for rate in _allauth.parse_rates(rates):
        cache_key = _allauth.get_cache_key(request, app=_APP, action=action, rate=rate, key=key)
        history = [hit for hit in cache.get(cache_key, []) if hit > now - rate.duration]
        if len(history) >= rate.amount:
            # The history is newest first: the slot frees when the oldest hit in it expires.
            wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    return int(wait + 0.999)


def _day_key(name: str) -> str:
    return f"xiaoge:day-cap:{name}:{timezone.localdate().isoformat()}"


def day_count(name: str) -> int:
    return cache.get(_day_key(name), 0)


def day_consume(name: str, *, cap: int) -> bool:
    """Count one hit for today (Asia/Shanghai); False once `cap` hits were counted today.

    INCR is atomic in Redis, so concurrent hits can never together pass the cap.
    """
    day_key = _day_key(name)
    cache.add(day_key, 0, timeout=2 * 24 * 3600)
    return cache.incr(day_key) <= cap


def seconds_until_tomorrow() -> int:
    now = timezone.localtime()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))


def client_ip(request: HttpRequest) -> str:
    """The address the limits count per ip (allauth's view of it: REMOTE_ADDR unless proxies are trusted)."""
    return _allauth.get_ip(request)
