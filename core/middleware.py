import logging

from allauth.core.exceptions import RateLimited
from django.shortcuts import render

from core import outage

logger = logging.getLogger(__name__)


class RateLimitedMiddleware:
    """Turn a rate limit hit anywhere (for example the SMS sent during sign-up) into a friendly 429.

    allauth's views are each one transaction (config/urls.py), which has already
    rolled back when this runs, so a refused sign-up leaves neither an account nor
    an SMS behind.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return render(request, "429.html", status=429)
        return None


class RedisOutageMiddleware:
    """A view that needed Redis while it was unreachable answers 503 with Retry-After (core.outage)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not outage.is_outage(exception):
            return None
        logger.warning("Redis unreachable during %s %s: %s", request.method, request.path, exception)
        return outage.unavailable_response(request)
