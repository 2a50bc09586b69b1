"""Public data that rarely changes (the scenarios, HSDS lists, Open311 services), kept in Redis
until it changes.

Each namespace has a generation number in the cache; a value is stored under the generation it
was computed in. `changed(namespace)` starts a new generation, and again once the writing
transaction has committed, so every web process sees the change at its next request, and a
request that read the old data meanwhile can only store it under a generation nobody reads.
Apps call `changed` from their model signals (a new or edited row, a deleted one).

Redis holds nothing here that PostgreSQL does not: with Redis unreachable the value is computed
as if nothing were cached (these pages keep working during an outage, README "When Redis
fails"). A change saved during an outage cannot start a new generation, so values expire after
TIMEOUT seconds anyway.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

from core.outage import OUTAGE_ERRORS

logger = logging.getLogger(__name__)

T = TypeVar("T")
TIMEOUT = 600
_MISSING = object()


def generation_key(namespace: str) -> str:
    return f"public:{namespace}:generation"


def generation(namespace: str) -> int:
    """The namespace's current generation (core.fragments reads it with its value in one go)."""
    current = cache.get(generation_key(namespace))
    if current is None:
        cache.add(generation_key(namespace), time.time_ns(), timeout=None)
        current = cache.get(generation_key(namespace))
    return current


def _current_key(namespace: str, key: str) -> str:
    return f"public:{namespace}:{generation(namespace)}:{key}"


def cached(namespace: str, key: str, compute: Callable[[], T]) -> T:
    """The value of `compute()` as of the namespace's last change."""
    try:
        full_key = _current_key(namespace, key)
        value = cache.get(full_key, _MISSING)
    except OUTAGE_ERRORS:
        return compute()
    if value is not _MISSING:
        return value
    value = compute()
    with contextlib.suppress(*OUTAGE_ERRORS):
        cache.set(full_key, value, timeout=TIMEOUT)
    return value


# --- Whole pages for visitors who are not logged in ---------------------------------------------

# A page (or a part of one, core.fragments) is stored with a placeholder in place of its CSRF token
# (a form's), and each request gets its own token in its place (and the cookie that goes with it).
# The whole attribute, quotes included: text shown on a page is escaped (a quote becomes &quot;), so
# nobody's message can contain the placeholder and have it replaced.
_CSRF_VALUE = 'name="csrfmiddlewaretoken" value="'
_CSRF_PLACEHOLDER = _CSRF_VALUE + '{csrf-token}"'
_CSRF_INPUT = re.compile(re.escape(_CSRF_VALUE) + '[^"]*"')


def without_csrf_token(html: str) -> str:
    """`html` as it may be kept for anyone: its CSRF tokens replaced by the placeholder."""
    return _CSRF_INPUT.sub(_CSRF_PLACEHOLDER, html)


def with_csrf_token(request: HttpRequest, html: str) -> str:
    """Kept `html` served to `request`: the placeholder replaced by this request's own token."""
    if _CSRF_PLACEHOLDER in html:
        html = html.replace(_CSRF_PLACEHOLDER, _CSRF_VALUE + get_token(request) + '"')
    return html


# Pages are drawn by this process's templates and static file names: after a deploy the new
# processes never serve a page an old one drew.
RELEASE = f"{os.getpid()}.{time.time_ns()}"


def _cacheable(request: HttpRequest) -> bool:
    # A query string (filters, pages, searches) is drawn every time; so is a page with a message
    # for this visitor (len() reads the messages without marking them shown).
    return (
        request.method in ("GET", "HEAD")
        and not request.GET
        and not request.user.is_authenticated
        and not len(messages.get_messages(request))
    )


def _stored(response: HttpResponse) -> dict[str, Any] | None:
    """What is kept of a rendered page, or None when it is not a plain page for anyone."""
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or set(response.headers) != {"Content-Type"}
    ):
        return None
    return {
        "content": without_csrf_token(response.content.decode(response.charset)),
        "content_type": response["Content-Type"],
    }


def anonymous_page(namespace: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """The view's page for visitors who are not logged in, kept until `namespace` changes.

    Logged-in people, query strings and pages carrying a message are drawn as before; so is
    everything while Redis is unreachable.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _cacheable(request):
                return view(request, *args, **kwargs)
            key = f"page:{RELEASE}:{translation.get_language()}:{request.path}"
            try:
                full_key = _current_key(namespace, key)
                page = cache.get(full_key)
            except OUTAGE_ERRORS:
                return view(request, *args, **kwargs)
            if page is None:
                response = view(request, *args, **kwargs)
                page = _stored(response)
                if page is None:
                    return response
                with contextlib.suppress(*OUTAGE_ERRORS):
                    cache.set(full_key, page, timeout=TIMEOUT)
                return response
            return HttpResponse(with_csrf_token(request, page["content"]), content_type=page["content_type"])

        return wrapped

    return decorator


def _new_generation(namespace: str) -> None:
    try:
        cache.set(generation_key(namespace), time.time_ns(), timeout=None)
    except OUTAGE_ERRORS as error:
        logger.warning(
            "public cache %s not invalidated (values expire within %s s): %s", namespace, TIMEOUT, error
        )


def changed(namespace: str) -> None:
    """The namespace's data changed: it is computed again from the next read on.

    A new generation at once (the writing transaction's own later reads) and another after
    commit: what other requests computed from the old data before then is never read again.
    """
    _new_generation(namespace)
    transaction.on_commit(lambda: _new_generation(namespace))
