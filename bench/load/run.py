"""`make load`: the morning peak against gunicorn on this machine, with the database and Redis beside it.

    make load                                   60 s, 40 users (LOAD_SECONDS, LOAD_USERS, ...)
    python -m config.launcher exec -- python -m bench.load      the same

Steps: a fresh database `xiaoge_load` on the server of DATABASE_URL (migrated, the demo data,
LOAD_WORKERS more workers with sessions: bench/load/seed.py); gunicorn with production settings
and deploy/gunicorn.conf.py (WEB_CONCURRENCY sync workers) and one Celery worker on every queue
(the reports' notices are delivered while the test runs); locust headless for LOAD_SECONDS
(bench/load/locustfile.py). Then one table: requests/s, p50, p95, p99 and failures per endpoint,
and the figures of PostgreSQL (pg_stat_database of the load database), Redis (INFO) and the CPU
time of each process group over the same seconds.

Everything runs on one machine, locust included: the figures are of that machine, shared.
"""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
import psycopg
import redis
import requests
from psycopg.conninfo import make_conninfo

from bench.harness import _free_port, database_url

BASE_DIR = Path(__file__).resolve().parents[2]
DATABASE = "xiaoge_load"
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
USERS = int(os.environ.get("LOAD_USERS", "40"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "10"))
LOAD_WORKERS = int(os.environ.get("LOAD_WORKERS", "300"))
WEB_CONCURRENCY = int(os.environ.get("LOAD_WEB_CONCURRENCY", "4"))
# Throwaway keys: production settings refuse the development ones. The seed signs the sessions
# with the same secret key as gunicorn checks them.
SECRET_KEY = "load-test-throwaway-" + "k" * 50
FIELD_KEY = "bG9hZC10ZXN0LXRocm93YXdheS1maWVsZC1rZXktMDA="


def recreate_database() -> None:
    with psycopg.connect(make_conninfo(os.environ["DATABASE_URL"], dbname="postgres"), autocommit=True) as db:
        db.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        db.execute(f'CREATE DATABASE "{DATABASE}"')


def environments(work: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(development, production): the seed runs in development (demo data), the servers in production."""
    development = {
        **os.environ,
        "DATABASE_URL": database_url(DATABASE),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": FIELD_KEY,
        "PRIVATE_MEDIA_ROOT": str(work / "private"),
        "LOAD_PEOPLE": str(work / "people.json"),
    }
    production = {
        **development,
        "DJANGO_ENV": "production",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(work / "static"),
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "60",
        "SMS_BACKEND": "notifications.backends.ConsoleSMSBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    return development, production


@contextmanager
def servers(production: dict[str, str], work: Path):
    port = _free_port()
    logs = (work / "servers.log").open("w")
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "deploy/gunicorn.conf.py"],
        env={**production, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(WEB_CONCURRENCY)},
        cwd=BASE_DIR,
        stdout=logs,
        stderr=logs,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "config", "worker", "--concurrency", "1",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=production,
        cwd=BASE_DIR,
        stdout=logs,
        stderr=logs,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if requests.get(f"{base}/readyz", headers={"X-Forwarded-Proto": "https"}, timeout=5).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit(f"gunicorn did not become ready (see {work / 'servers.log'})")
        yield base, web.pid, worker.pid
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        logs.close()


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and all its children (gunicorn's workers, Celery's pool)."""
    try:
        root = psutil.Process(pid)
        total = 0.0
        for process in [root, *root.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
        return total
    except psutil.NoSuchProcess:
        return 0.0


def postgres_figures() -> dict[str, float]:
    with psycopg.connect(make_conninfo(os.environ["DATABASE_URL"], dbname="postgres")) as db:
        row = db.execute(
            "SELECT xact_commit, xact_rollback, blks_hit, blks_read, tup_returned, tup_fetched,"
            " tup_inserted, tup_updated, numbackends FROM pg_stat_database WHERE datname = %s",
            [DATABASE],
        ).fetchone()
    assert row is not None
    names = ["commits", "rollbacks", "hit", "read", "returned", "fetched", "inserted", "updated", "backends"]
    return dict(zip(names, map(float, row), strict=True))


def postgres_cpu() -> float:
    """CPU of the PostgreSQL server's processes (the postmaster and its children: all its databases)."""
    with psycopg.connect(make_conninfo(os.environ["DATABASE_URL"], dbname="postgres")) as db:
        (backend,) = db.execute("SELECT pg_backend_pid()").fetchone() or (0,)
        try:
            return cpu_seconds(psutil.Process(backend).ppid())
        except psutil.NoSuchProcess:
            return 0.0


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(os.environ["REDIS_URL"])


class Sampler(threading.Thread):
    """Once a second: database connections, Redis memory, clients and ops/s (the peaks are reported)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peaks = {"pg_connections": 0.0, "redis_ops": 0.0, "redis_memory": 0.0, "redis_clients": 0.0}

    def run(self) -> None:
        client = redis_client()
        with psycopg.connect(
            make_conninfo(os.environ["DATABASE_URL"], dbname="postgres"), autocommit=True
        ) as db:
            while not self.stop.wait(1.0):
                (connections,) = db.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [DATABASE]
                ).fetchone() or (0,)
                info = client.info()
                for name, value in (
                    ("pg_connections", connections),
                    ("redis_ops", info["instantaneous_ops_per_sec"]),
                    ("redis_memory", info["used_memory"]),
                    ("redis_clients", info["connected_clients"]),
                ):
                    self.peaks[name] = max(self.peaks[name], float(value))


def run_locust(base: str, production: dict[str, str], work: Path) -> Path:
    prefix = work / "locust"
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", "bench/load/locustfile.py", "--headless",
         "--users", str(USERS), "--spawn-rate", str(SPAWN_RATE), "--run-time", f"{SECONDS}s",
         "--host", base, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
         "--loglevel", "WARNING"],
        env=production,
        cwd=BASE_DIR,
        check=False,  # locust exits 1 when a request failed; the table says which
    )  # fmt: skip
    return Path(f"{prefix}_stats.csv")


def table(stats: Path) -> str:
    rows = list(csv.DictReader(stats.open()))
    lines = [
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | failures |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        lines.append(
            f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} "
            f"| {row['99%']} | {row['Failure Count']} |"
        )
    return "\n".join(lines)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="xiaoge-load-"))
    development, production = environments(work)
    print(
        f"[load] fresh database {DATABASE}, migrate, demo data and {LOAD_WORKERS} load workers ...",
        flush=True,
    )
    recreate_database()
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=development, cwd=BASE_DIR, check=True)
    subprocess.run(
        [sys.executable, "-m", "bench.load.seed", development["LOAD_PEOPLE"], str(LOAD_WORKERS)],
        env=development,
        cwd=BASE_DIR,
        check=True,
    )
    subprocess.run(
        [*manage, "collectstatic", "--no-input", "-v", "0"], env=production, cwd=BASE_DIR, check=True
    )
    with servers(production, work) as (base, web_pid, worker_pid):
        # Warm-up: every gunicorn worker imports and connects before the clock starts.
        for _ in range(WEB_CONCURRENCY * 4):
            requests.get(f"{base}/", headers={"X-Forwarded-Proto": "https"}, timeout=30)
        redis_before, pg_before = redis_client().info(), postgres_figures()
        cpu_before = {
            "web": cpu_seconds(web_pid),
            "worker": cpu_seconds(worker_pid),
            "postgres": postgres_cpu(),
        }
        machine_before = psutil.cpu_times()
        sampler = Sampler()
        sampler.start()
        started = time.monotonic()
        stats = run_locust(base, production, work)
        elapsed = time.monotonic() - started
        sampler.stop.set()
        sampler.join()
        redis_after, pg_after = redis_client().info(), postgres_figures()
        cpu_after = {
            "web": cpu_seconds(web_pid),
            "worker": cpu_seconds(worker_pid),
            "postgres": postgres_cpu(),
        }
        machine_after = psutil.cpu_times()
    delta = {name: pg_after[name] - pg_before[name] for name in pg_after}
    blocks = delta["hit"] + delta["read"]
    machine_busy = (machine_after.user + machine_after.system) - (machine_before.user + machine_before.system)
    figures = {
        "seconds": round(elapsed, 1),
        "users": USERS,
        "gunicorn_workers": WEB_CONCURRENCY,
        "cores": psutil.cpu_count(),
        "pg_commits_per_s": round(delta["commits"] / elapsed, 1),
        "pg_rollbacks_per_s": round(delta["rollbacks"] / elapsed, 1),
        "pg_cache_hit_ratio": round(delta["hit"] / blocks, 4) if blocks else None,
        "pg_rows_returned_per_s": round(delta["returned"] / elapsed),
        "pg_rows_written_per_s": round((delta["inserted"] + delta["updated"]) / elapsed, 1),
        "pg_connections_peak": int(sampler.peaks["pg_connections"]),
        "redis_commands_per_s": round(
            (redis_after["total_commands_processed"] - redis_before["total_commands_processed"]) / elapsed
        ),
        "redis_ops_per_s_peak": int(sampler.peaks["redis_ops"]),
        "redis_used_memory_peak_mb": round(sampler.peaks["redis_memory"] / 2**20, 1),
        "redis_clients_peak": int(sampler.peaks["redis_clients"]),
        "cpu_cores_gunicorn": round((cpu_after["web"] - cpu_before["web"]) / elapsed, 2),
        "cpu_cores_celery": round((cpu_after["worker"] - cpu_before["worker"]) / elapsed, 2),
        "cpu_cores_postgres": round((cpu_after["postgres"] - cpu_before["postgres"]) / elapsed, 2),
        "cpu_cores_machine": round(machine_busy / elapsed, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print()
    print(
        f"Morning peak: {USERS} locust users for {SECONDS} s against gunicorn ({WEB_CONCURRENCY} sync workers)"
    )
    print(table(stats))
    print()
    print("| figure | value |\n|---|---:|")
    for name, value in figures.items():
        print(f"| {name} | {value} |")
    (work / "figures.json").write_text(json.dumps(figures, indent=2))
    print(f"\n[load] locust's CSVs and the server log: {work}")
    shutil.rmtree(work / "private", ignore_errors=True)
    shutil.rmtree(work / "static", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
