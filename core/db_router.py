"""Heavy reads on a streaming read replica, everything else on the primary.

Only reads that opt in go to the replica (`read_from_replica`, `reading_from_replica`,
`read_alias_for_stream`): partner roster lists and exports, OneRoster collections, HSDS and
Open311 lists computed for their parameters, the budget dashboard. Every other read, and
every write, stays on the primary: a replica is a few milliseconds behind, and a page that
shows what someone just did must not show the state before it.

Even an opted-in read stays on the primary when
- REPLICA_DATABASE_URL is unset (development, and the default): there is no `replica` alias;
- the request wrote through the primary already, or runs inside a transaction there;
- the acting person (their user, their session, their API token) wrote within
  READ_YOUR_WRITES_SECONDS: the middleware remembers writes in Redis, so the next request,
  maybe on another web node, still reads their own write;
- the replica is down or lags more than REPLICA_MAX_LAG_SECONDS. That check is one query on
  the replica, kept for REPLICA_CHECK_SECONDS in each process, so it is not paid per read;
- the replica fails while a read runs: `read_from_replica` then checks it again at once and
  runs the read a second time on the primary (a read can be repeated; a write cannot, which
  is why the decorated functions must only read).

Without a replica none of this runs: the router answers "default" and nothing else.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

from core.outage import OUTAGE_ERRORS

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"

P = ParamSpec("P")
T = TypeVar("T")

# Seconds behind the primary: none while everything received is replayed, else since the
# last transaction replayed (an idle primary sends nothing, so the timestamp alone would
# call an idle replica late).
LAG_SQL = """
SELECT CASE
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END::float8
"""
# Statements that change nothing. Anything else on the primary counts as a write, so an
# unknown statement keeps the person on the primary rather than off it.
_READ_ONLY_STATEMENTS = ("SELECT", "SHOW", "SET ", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")
_WRITE_KEY = "replica:wrote:{}"


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


# --- What the current request (or block) did --------------------------------------------------


@dataclass
class _Reads:
    request: HttpRequest | None = None
    wrote: bool = False
    _wrote_recently: bool | None = field(default=None, repr=False)

    def actor_keys(self) -> list[str]:
        return actor_keys(self.request) if self.request is not None else []

    def wrote_recently(self) -> bool:
        # One Redis read per request, and only when a read could go to the replica.
        if self._wrote_recently is None:
            keys = self.actor_keys()
            try:
                self._wrote_recently = bool(keys) and bool(
                    cache.get_many([_WRITE_KEY.format(key) for key in keys])
                )
            except OUTAGE_ERRORS:
                self._wrote_recently = True  # cannot tell: the primary is always right
        return self._wrote_recently


_reads: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)
_replica_wanted: ContextVar[bool] = ContextVar("replica_wanted", default=False)
_replica_served: ContextVar[bool] = ContextVar("replica_served", default=False)


def actor_keys(request: HttpRequest) -> list[str]:
    """Who is acting, without a query: the user if already known, the session, the API token."""
    keys = []
    user = getattr(request, "user", None)
    resolved = not (isinstance(user, SimpleLazyObject) and getattr(user, "_wrapped", None) is empty)
    if resolved and user is not None and getattr(user, "is_authenticated", False):
        keys.append(f"user:{user.pk}")
    for kind, secret in (
        ("session", request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")),
        ("token", request.META.get("HTTP_AUTHORIZATION", "")),
    ):
        if secret:
            keys.append(f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()[:32]}")
    return keys


def _note_writes(execute, sql, params, many, context):
    if not sql.lstrip().upper().startswith(_READ_ONLY_STATEMENTS):
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True
    return execute(sql, params, many, context)


class ReadYourWritesMiddleware:
    """Notes every write a request makes on the primary, and remembers the writer in Redis."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        reads = _Reads(request=request)
        token = _reads.set(reads)
        try:
            with connections[PRIMARY].execute_wrapper(_note_writes):
                response = self.get_response(request)
            if reads.wrote:
                remember_write(reads.actor_keys())
            return response
        finally:
            _reads.reset(token)


def remember_write(keys: list[str]) -> None:
    if not keys:
        return
    try:
        cache.set_many({_WRITE_KEY.format(key): 1 for key in keys}, timeout=settings.READ_YOUR_WRITES_SECONDS)
    except OUTAGE_ERRORS:
        # Redis down: this person may read a few milliseconds of the past on their next page.
        logger.warning("replica: could not remember a write (Redis unreachable)")


# --- Is the replica fit to serve -------------------------------------------------------------


@dataclass
class _Health:
    checked_at: float = float("-inf")
    usable: bool = False
    lag_seconds: float | None = None


_health = _Health()
_health_lock = threading.Lock()


def replica_lag_seconds() -> float | None:
    """The replica's lag now, or None when it cannot be reached."""
    replica = connections[REPLICA]
    try:
        with replica.cursor() as cursor:
            cursor.execute(LAG_SQL)
            return float(cursor.fetchone()[0])
    except DatabaseError as error:
        logger.warning("replica: unreachable (%s); reads go to the primary", error)
        with contextlib.suppress(DatabaseError):
            replica.close()
        return None


def check_replica() -> bool:
    """Check the replica now (and keep the answer for REPLICA_CHECK_SECONDS)."""
    lag = replica_lag_seconds()
    usable = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
    if lag is not None and not usable:
        logger.warning("replica: %.1f s behind the primary; reads go to the primary", lag)
    with _health_lock:
        _health.checked_at, _health.usable, _health.lag_seconds = time.monotonic(), usable, lag
    return usable


def replica_usable() -> bool:
    with _health_lock:
        fresh = time.monotonic() - _health.checked_at < settings.REPLICA_CHECK_SECONDS
        if fresh:
            return _health.usable
    return check_replica()


def forget_replica_health() -> None:
    """The next opted-in read checks the replica again (tests, and after a failover)."""
    with _health_lock:
        _health.checked_at = float("-inf")


def _pinned_to_primary() -> bool:
    reads = _reads.get()
    if reads is not None and (reads.wrote or reads.wrote_recently()):
        return True
    # A read inside a transaction on the primary belongs to that transaction's snapshot.
    return connections[PRIMARY].in_atomic_block


def _replica_may_serve() -> bool:
    return replica_configured() and not _pinned_to_primary() and replica_usable()


# --- Opting in ------------------------------------------------------------------------------


@contextlib.contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads in this block may go to the replica. Writes still go to the primary, and pin the
    rest of the block (and of the request) there."""
    if not replica_configured():
        yield
        return
    own = _reads.get() is None
    reads_token = _reads.set(_Reads()) if own else None
    wanted_token = _replica_wanted.set(True)
    try:
        with connections[PRIMARY].execute_wrapper(_note_writes):
            yield
    finally:
        _replica_wanted.reset(wanted_token)
        if reads_token is not None:
            _reads.reset(reads_token)


def read_from_replica(function: Callable[P, T]) -> Callable[P, T]:
    """Run `function` (which only reads, and evaluates what it reads) with its reads on the
    replica; if the replica fails meanwhile, run it again on the primary."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        if not replica_configured():
            return function(*args, **kwargs)
        served_token = _replica_served.set(False)
        try:
            with reading_from_replica():
                return function(*args, **kwargs)
        except DatabaseError:
            # The primary's own errors, and errors while the replica is fine, are not ours to hide.
            if not _replica_served.get() or check_replica():
                raise
            logger.warning("replica: failed during %s; read again on the primary", function.__qualname__)
        finally:
            _replica_served.reset(served_token)
        return function(*args, **kwargs)

    return wrapper


def read_alias_for_stream() -> str:
    """The alias a streamed read (a CSV export) should use, checked now rather than from the
    cached answer: a stream cannot start again on the primary once its first bytes are out."""
    if not replica_configured() or _pinned_to_primary():
        return PRIMARY
    return REPLICA if check_replica() else PRIMARY


class ReplicaRouter:
    """Django's router: opted-in reads to the replica when it may serve, all else to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        if _replica_wanted.get() and _replica_may_serve():
            _replica_served.set(True)
            return REPLICA
        return PRIMARY

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The same rows on both: an object read from the replica may point at one from the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY
