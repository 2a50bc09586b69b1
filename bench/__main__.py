"""Benchmarks: each prints ratios against a baseline measured in the same run.

    make bench                          every benchmark (or: python -m config.launcher exec -- python -m bench)
    python -m bench admin_lists         one (or several) by name
    BENCH_ROWS=10000,100000 python -m bench admin_lists    a quick run at smaller sizes

Never run as tests and never compared with a fixed time: a ratio to a baseline
on the same machine, in the same run, is what tells a regression. Each benchmark
runs in a database of its own (a copy of the migrated one) and times the two
sides of each ratio in turns, several rounds: min / median / max of the rounds.
"""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "bench_xiaoge")
django.setup()

import sys  # noqa: E402

from django.core.cache import cache  # noqa: E402
from django.core.signals import request_finished  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

from bench import (  # noqa: E402
    admin_lists,
    dashboard,
    delivery_map,
    harness,
    oneroster_pages,
    outbox,
    roster_export,
    roster_json,
    throughput,
    upload_memory,
)

# One line each: a new benchmark module is registered by adding it here.
BENCHMARKS = [
    outbox,
    admin_lists,
    dashboard,
    roster_export,
    roster_json,
    oneroster_pages,
    upload_memory,
    throughput,
    delivery_map,
]


def best_of(function, *, setup=lambda: None, repeat: int = 5) -> float:
    """The fastest of `repeat` runs of `function`, each after an untimed `setup`."""
    timings = []
    for _ in range(repeat):
        setup()
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def _line(name: str, ratio, detail: str) -> str:
    if ratio is None:  # a line of information (an EXPLAIN), no ratio
        return f"  {name}: {detail}"
    if isinstance(ratio, list | tuple):
        return f"{name}: {harness.summary(list(ratio))}  ({detail})"
    return f"{name}: {ratio:.2f}x baseline  ({detail})"


def main() -> None:
    setup_test_environment()
    # As in the test runner: keep one connection across requests of the test client.
    request_finished.disconnect(close_old_connections)
    old_config = setup_databases(verbosity=0, interactive=False)
    chosen = sys.argv[1:]  # `python -m bench outbox` runs one; no arguments run all
    known = {module.__name__.rsplit(".", 1)[-1] for module in BENCHMARKS}
    if unknown := set(chosen) - known:
        sys.exit(f"unknown benchmark {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    try:
        for module in BENCHMARKS:
            short = module.__name__.rsplit(".", 1)[-1]
            if chosen and short not in chosen:
                continue
            print(f"== {short}", flush=True)
            started = time.perf_counter()
            cache.clear()
            with harness.fresh_database(short):
                for name, ratio, detail in module.run(best_of=best_of):
                    print(_line(name, ratio, detail), flush=True)
            print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    finally:
        connection.close()
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
