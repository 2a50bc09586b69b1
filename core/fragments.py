"""Drawn parts of pages kept in Redis (issue 23): a catalogue for everyone, a list for its owner only.

A logged-in page is drawn for its person every time, but most of its cost is one list that changes
far less often than it is read (the academy's programmes, a person's points ledger, their inbox).
That list is drawn once and kept:

- `shared(request, namespace, key, draw)`: the same for everyone (the academy catalogue), under
  `namespace`'s current generation (core.public_cache: a change of the rows starts a new one);
- `own(request, namespace, name, state, draw)`: one person's, stored under their own id and a
  `state` the view reads for that person on every request, which changes whenever the list would
  (the id of their last ledger line, their message counts). The id is part of every key, so no
  person is ever served another's list; `namespace` (or None) covers what no state can see, such
  as a deleted row a ledger line links to.

Every key also holds the language and this process's release (core.public_cache.RELEASE: new
templates after a deploy never serve an old drawing). `draw()` says whether its result may be kept
(`Drawn.keep`: not for a form with errors or an odd page number, so odd query strings cannot fill
Redis) and until when (`Drawn.until`: the catalogue's "applications open" changes at an intake's
opening). A form's CSRF token is stored as a placeholder, and every response gets its request's
own token, as on the cached anonymous pages. With Redis unreachable the list is drawn every time.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from core import public_cache
from core.outage import OUTAGE_ERRORS


@dataclass(frozen=True)
class Drawn:
    html: str
    keep: bool = True  # False: shown this once and not stored
    until: datetime | None = None  # drawn again from this moment on


_PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,3}")


def plain_query(request: HttpRequest, names: frozenset[str] = frozenset({"page"})) -> bool:
    """Whether the query string holds only `names`, once each, and a page number of up to four
    digits: only such lists are kept (`Drawn.keep`), so odd query strings cannot fill Redis."""
    parameters = request.GET
    return (
        set(parameters) <= names
        and all(len(parameters.getlist(name)) == 1 for name in parameters)
        and ("page" not in parameters or _PAGE_NUMBER.fullmatch(parameters["page"]) is not None)
    )


def _served_html(request: HttpRequest, html: str) -> SafeString:
    # The stored text is what the template engine escaped when it was drawn.
    return mark_safe(public_cache.with_csrf_token(request, html))  # noqa: S308


def _fragment(request: HttpRequest, namespace: str | None, key: str, draw: Callable[[], Drawn]) -> SafeString:
    # Hashed: a key of any length or characters (a query string, a state) is a valid cache key.
    digest = hashlib.sha256(key.encode()).hexdigest()
    key = f"fragment:{public_cache.RELEASE}:{translation.get_language()}:{digest}"
    try:
        # The namespace's generation and the fragment in one round trip: under load each round trip
        # to Redis costs as much as drawing a small list. A fragment is valid only under the
        # generation it was drawn in (what a request drew from rows changed meanwhile is never read).
        keys = [public_cache.generation_key(namespace), key] if namespace else [key]
        found = cache.get_many(keys)
        generation = None
        if namespace:
            generation = found.get(keys[0])
            if generation is None:  # none yet (a flushed cache): start one
                generation = public_cache.generation(namespace)
    except OUTAGE_ERRORS:
        return mark_safe(draw().html)  # noqa: S308 (a template's output)
    stored = found.get(key)
    if (
        stored is not None
        and stored["generation"] == generation
        and (stored["until"] is None or timezone.now() < stored["until"])
    ):
        return _served_html(request, stored["html"])
    drawn = draw()
    if drawn.keep:
        timeout = public_cache.TIMEOUT
        if drawn.until is not None:
            timeout = max(1, min(timeout, math.ceil((drawn.until - timezone.now()).total_seconds())))
        value = {
            "html": public_cache.without_csrf_token(drawn.html),
            "until": drawn.until,
            "generation": generation,
        }
        with contextlib.suppress(*OUTAGE_ERRORS):
            cache.set(key, value, timeout)
    return mark_safe(drawn.html)  # noqa: S308 (a template's output)


def shared(request: HttpRequest, namespace: str, key: str, draw: Callable[[], Drawn]) -> SafeString:
    """The part of a page that is the same for everyone, kept until `namespace` changes."""
    return _fragment(request, namespace, f"shared:{key}", draw)


def own(
    request: HttpRequest,
    namespace: str | None,
    name: str,
    state: tuple[Hashable, ...],
    draw: Callable[[], Drawn],
) -> SafeString:
    """The logged-in person's own part of a page, kept while `state` (read for them) stays the same."""
    user_id = request.user.pk
    if user_id is None:
        raise ValueError("core.fragments.own is for a logged-in person's page")
    return _fragment(request, namespace, f"user:{user_id}:{name}:{state!r}", draw)
