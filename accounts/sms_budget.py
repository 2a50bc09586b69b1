"""The one SMS budget: per phone number, per IP address and district-wide per day.

Every path that may send an SMS code (sign-up, login by code, resend, a changed number)
spends from it, for registered and unregistered numbers alike, so the answer never tells
whether a number has an account and no path sends beyond it:

- the sign-up and login forms call `reserve` before anything else, so a spent budget is a
  clear error on the form, before any account or message is written;
- the adapter calls `reserve` again just before it writes an SMS (a no-op for a number
  already reserved in this request: resend and other later paths are counted there), then
  `charge_district`, which counts the SMS against the district's daily cap.

The limits are settings (SMS_BUDGET_PER_PHONE, SMS_BUDGET_PER_IP,
SMS_BUDGET_DISTRICT_PER_DAY); the counting is core.ratelimit.
"""

from allauth.core.exceptions import RateLimited
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext

from core import ratelimit

ACTION = "sms_budget"
DISTRICT = "sms_budget_district"
_RESERVED_ATTRIBUTE = "_xiaoge_sms_budget_reserved"


def spent_message(retry_after: int) -> str:
    minutes = max(1, (retry_after + 59) // 60)
    return ngettext(
        "No more codes can be sent to this number or from this network for now: please try again in "
        "%(minutes)d minute. Nothing was sent.",
        "No more codes can be sent to this number or from this network for now: please try again in "
        "%(minutes)d minutes. Nothing was sent.",
        minutes,
    ) % {"minutes": minutes}


def district_spent_message() -> str:
    return gettext(
        "Today's SMS codes for the whole district are used up: please try again tomorrow, or call the "
        "service desk (%(phone)s). Nothing was sent."
    ) % {"phone": settings.SERVICE_DESK_PHONE}


class SmsBudgetSpent(RateLimited):
    """No SMS may go out now. A RateLimited, so allauth's resend views and our 429 page catch it."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _rates() -> str:
    return ",".join(
        [
            ratelimit.with_per(settings.SMS_BUDGET_PER_PHONE, "key"),
            ratelimit.with_per(settings.SMS_BUDGET_PER_IP, "ip"),
        ]
    )


def reserve(request: HttpRequest, *, phone: str) -> None:
    """Count one code request for this number from this address; raise SmsBudgetSpent when spent."""
    reserved = request.__dict__.setdefault(_RESERVED_ATTRIBUTE, set())
    if phone in reserved:
        return
    if ratelimit.day_count(DISTRICT) >= settings.SMS_BUDGET_DISTRICT_PER_DAY:
        raise SmsBudgetSpent(district_spent_message(), ratelimit.seconds_until_tomorrow())
    verdict = ratelimit.consume(request, action=ACTION, rates=_rates(), key=phone)
    if not verdict.allowed:
        raise SmsBudgetSpent(spent_message(verdict.retry_after), verdict.retry_after)
    reserved.add(phone)


def seconds_until_next(request: HttpRequest, *, phone: str) -> int:
    """Seconds until this number and this address may ask for another code (0: now). Counts nothing."""
    return ratelimit.wait_seconds(request, action=ACTION, rates=_rates(), key=phone)


def charge_district() -> None:
    """Count one SMS really sent against the district's daily cap (exact under concurrency)."""
    if not ratelimit.day_consume(DISTRICT, cap=settings.SMS_BUDGET_DISTRICT_PER_DAY):
        raise SmsBudgetSpent(district_spent_message(), ratelimit.seconds_until_tomorrow())
