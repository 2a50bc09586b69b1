"""What every benchmark shares: its own database, interleaved timing, sizes, a gunicorn.

- `fresh_database(label)`: a copy of the migrated bench database (CREATE DATABASE … TEMPLATE,
  a second or two), which the default connection uses until the block ends; then it is dropped.
  Each benchmark runs in one, so no benchmark sees another's rows.
- `interleave(sides)`: runs the sides of a ratio alternately (A B A B …), so a slow moment of the
  machine falls on both; `ratios(a, b)` gives one ratio per round, printed as min / median / max.
- `sizes()`: the two table sizes of the scale benchmarks, 100,000 and 1,000,000 unless
  BENCH_ROWS says otherwise (`BENCH_ROWS=10000,100000 python -m bench admin_lists` is a quick run).
- `gunicorn(database)`: the production WSGI application under gunicorn (2 workers) on a free port.
"""

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import requests
from django.db import connection

# Rounds of every interleaved ratio (at least 3: min / median / max mean something).
REPEAT = max(3, int(os.environ.get("BENCH_REPEAT", "3")))


def sizes() -> tuple[int, int]:
    small, large = (int(part) for part in os.environ.get("BENCH_ROWS", "100000,1000000").split(","))
    return small, large


def label(rows: int) -> str:
    return f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else f"{rows // 1000}k"


def use_database(name: str) -> None:
    """Point the default connection at another database of the same server."""
    if connection.settings_dict["NAME"] != name:
        connection.close()
        connection.settings_dict["NAME"] = name
    connection.ensure_connection()


@contextmanager
def fresh_database(suffix: str) -> Iterator[str]:
    """A new database copied from the migrated template, used by the default connection meanwhile."""
    template = connection.settings_dict["NAME"]
    name = f"{template}_{suffix}"[:63]
    # From the maintenance database: the template may have no session while it is copied.
    _admin_execute(template, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin_execute(template, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    use_database(name)
    try:
        yield name
    finally:
        use_database(template)
        _admin_execute(template, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_execute(template: str, statement: str) -> None:
    """Run CREATE / DROP DATABASE from the maintenance database (never from the one copied)."""
    connection.close()
    connection.settings_dict["NAME"] = "postgres"
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()
    connection.settings_dict["NAME"] = template


def interleave(
    sides: dict[str, Callable[[], object]], *, rounds: int = REPEAT, inner: int = 3
) -> dict[str, list]:
    """Seconds per round of each side: the fastest of `inner` runs, the sides taking turns.

    Every side runs once untimed first (warm caches, compiled templates)."""
    for function in sides.values():
        function()
    timings: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        best = dict.fromkeys(sides, float("inf"))
        for _ in range(inner):
            for name, function in sides.items():
                started = time.perf_counter()
                function()
                best[name] = min(best[name], time.perf_counter() - started)
        for name, seconds in best.items():
            timings[name].append(seconds)
    return timings


def ratios(numerators: list[float], denominators: list[float]) -> list[float]:
    return [a / b for a, b in zip(numerators, denominators, strict=True)]


def summary(values: list[float]) -> str:
    return f"min {min(values):.2f} / median {statistics.median(values):.2f} / max {max(values):.2f}"


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(name: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


@contextmanager
def gunicorn(database: str, *, workers: int = 2, extra: tuple[str, ...] = ()) -> Iterator[tuple[str, int]]:
    """(base URL, arbiter pid) of gunicorn serving config.wsgi on `database`, production settings."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(database),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "300", "--log-level", "warning", *extra],
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                requests.get(f"{base}/healthz", timeout=60)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield base, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)
