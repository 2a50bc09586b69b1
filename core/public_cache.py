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
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

from core.outage import OUTAGE_ERRORS

logger = logging.getLogger(__name__)

T = TypeVar("T")
TIMEOUT = 600
_MISSING = object()


def _generation_key(namespace: str) -> str:
    return f"public:{namespace}:generation"


def cached(namespace: str, key: str, compute: Callable[[], T]) -> T:
    """The value of `compute()` as of the namespace's last change."""
    try:
        generation = cache.get(_generation_key(namespace))
        if generation is None:
            cache.add(_generation_key(namespace), time.time_ns(), timeout=None)
            generation = cache.get(_generation_key(namespace))
        full_key = f"public:{namespace}:{generation}:{key}"
        value = cache.get(full_key, _MISSING)
    except OUTAGE_ERRORS:
        return compute()
    if value is not _MISSING:
        return value
    value = compute()
    with contextlib.suppress(*OUTAGE_ERRORS):
        cache.set(full_key, value, timeout=TIMEOUT)
    return value


def _new_generation(namespace: str) -> None:
    try:
        cache.set(_generation_key(namespace), time.time_ns(), timeout=None)
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
