"""What the portal answers while Redis (cache, rate limits, broker) is unreachable.

Redis holds no record of ours: the rate-limit counters, the health heartbeat and
the queue of deliveries, whose rows live in PostgreSQL's outbox. So an outage
must never cost a 500 or a hung request. The Redis clients give up after about a
second (CACHES' socket timeouts, settings.py), and whatever then needed Redis
answers 503 with `Retry-After`, in the error shape of the interface that was
asked. Anything that guards SMS (the budgets, the login-code limits) counts in
Redis, so with Redis down no SMS is sent: the request fails closed and leaves
nothing behind. Our own writes are actions, each one transaction, which a Redis
error inside rolls back; allauth's views, which write in several steps of their
own, are each one transaction too (config/urls.py).

Each interface declares its own 503 body (core.interfaces), so this ground layer
knows no app above it.
"""

from __future__ import annotations

import logging

import kombu.exceptions
import redis.exceptions
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy

from core import interfaces

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)
RETRY_AFTER_SECONDS = 30
UNAVAILABLE = gettext_lazy("This service is briefly unavailable. Please try again in a minute.")


def is_outage(error: BaseException) -> bool:
    return isinstance(error, OUTAGE_ERRORS)


def json_unavailable(request: HttpRequest) -> HttpResponse:
    """The `{"message", "extra"}` body of /api/v1 and HSDS (core.api)."""
    return JsonResponse({"message": str(UNAVAILABLE), "extra": {}}, status=503)


def oauth_unavailable(request: HttpRequest) -> HttpResponse:
    # RFC 6749's code for a server that cannot answer for now.
    return JsonResponse(
        {"error": "temporarily_unavailable", "error_description": str(UNAVAILABLE)}, status=503
    )


def page_unavailable(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context processors: they may need what is down.
    return HttpResponse(loader.get_template("errors/503.html").render({"message": UNAVAILABLE}), status=503)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    response = interfaces.interface_for(request.path).unavailable(request)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
