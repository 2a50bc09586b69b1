"""Benchmarks: each prints ratios against a baseline measured in the same run.

    make bench          (or: python -m config.launcher exec -- python -m bench)

Never run as tests and never compared with a fixed time: a ratio to a baseline
on the same machine, in the same run, is what tells a regression.
"""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("TEST_DATABASE_NAME", "bench_xiaoge")
django.setup()

import sys  # noqa: E402

from django.core.signals import request_finished  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

from bench import admin_changelist, outbox, roster_export, throughput, upload_memory  # noqa: E402

BENCHMARKS = [outbox, admin_changelist, roster_export, upload_memory, throughput]


def best_of(function, *, setup=lambda: None, repeat: int = 5) -> float:
    """The fastest of `repeat` runs of `function`, each after an untimed `setup`."""
    timings = []
    for _ in range(repeat):
        setup()
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    setup_test_environment()
    # As in the test runner: keep one connection across requests of the test client.
    request_finished.disconnect(close_old_connections)
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        chosen = sys.argv[1:]  # `python -m bench outbox` runs one; no arguments run all
        for module in BENCHMARKS:
            if chosen and module.__name__.rsplit(".", 1)[-1] not in chosen:
                continue
            for name, ratio, detail in module.run(best_of=best_of):
                print(f"{name}: {ratio:.2f}x baseline  ({detail})")
    finally:
        connection.close()
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
