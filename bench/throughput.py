"""Requests per second under gunicorn (2 workers, production settings) over a hello-world view.

Starts `gunicorn config.wsgi`-equivalent (bench.http_settings: the production settings with one more
URL, /__bench__/hello, a view that returns "Hello, world" through the whole middleware stack) on
the bench database with the demo data, and drives it with CLIENTS keep-busy connections for
SECONDS per measurement. Each page is measured right after the hello-world view, in ROUNDS
interleaved rounds; the ratio of each pair is a round's figure.

Goals (issue 23): anonymous pages and public JSON >= 0.35, logged-in worker pages >= 0.15.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from accounts.models import User
from bench.upload_memory import _database_url, _free_port

CLIENTS = 4
SECONDS = float(os.environ.get("BENCH_THROUGHPUT_SECONDS", "2"))
ROUNDS = 3
# Production refuses the development keys; the bench signs its session with the same key.
SECRET_KEY = "bench-throughput-" + "k" * 50
FIELD_KEY = "YmVuY2gtdGhyb3VnaHB1dC1maWVsZC1rZXktMDAwMDA="

ANONYMOUS = {
    "home /": "/",
    "scenario list /services/": "/services/",
    "HSDS /api/hsds/services": "/api/hsds/services",
    "HSDS /api/hsds/organizations": "/api/hsds/organizations",
    "Open311 services.json": "/open311/v2/services.json",
}
WORKER = {
    "academy /academy/": "/academy/",
    "points /grid/points/": "/grid/points/",
    "inbox /inbox/": "/inbox/",
}
GOALS = {"anonymous": 0.35, "worker": 0.15}


def _request(path: str, cookie: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "X-Forwarded-Proto: https", "Connection: close"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _fetch(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _rate(port: int, path: str, cookie: str) -> float:
    """Requests per second over SECONDS with CLIENTS connections at a time (gunicorn's sync
    workers close each connection, so each request is a new one, as for the baseline)."""
    request = _request(path, cookie)
    done = [0] * CLIENTS
    failures: list[bytes] = []
    stop = time.perf_counter() + SECONDS

    def client(index: int) -> None:
        while time.perf_counter() < stop:
            response = _fetch(port, request)
            if not response.startswith(b"HTTP/1.1 200"):
                failures.append(response[:300])
                return
            done[index] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{path}: {failures[0]!r}")
    return sum(done) / (time.perf_counter() - started)


def _worker_cookie() -> str:
    worker = User.objects.get(phone="+8613800000001")  # the demo courier
    client = Client()
    with override_settings(SECRET_KEY=SECRET_KEY):
        client.force_login(worker)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def run(*, best_of):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    cookie = _worker_cookie()
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "bench.http_settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": FIELD_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], env=env, check=True
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    pages = [(name, path, "", "anonymous") for name, path in ANONYMOUS.items()] + [
        (name, path, cookie, "worker") for name, path in WORKER.items()
    ]
    ratios: dict[str, list[float]] = {name: [] for name, *_ in pages}
    rates: dict[str, list[float]] = {name: [] for name, *_ in pages}
    hello_rates: list[float] = []
    try:
        for _ in range(200):
            try:
                _fetch(port, _request("/__bench__/hello", ""))
                break
            except OSError:
                time.sleep(0.1)
        for _name, path, page_cookie, _kind in pages:  # warm-up: caches, connections, templates
            for _ in range(4):
                _fetch(port, _request(path, page_cookie))
        for _ in range(ROUNDS):
            for name, path, page_cookie, _kind in pages:
                hello = _rate(port, "/__bench__/hello", "")
                page = _rate(port, path, page_cookie)
                hello_rates.append(hello)
                rates[name].append(page)
                ratios[name].append(page / hello)
    finally:
        server.terminate()
        server.wait(timeout=30)
    results = []
    for name, _path, _cookie, kind in pages:
        values = ratios[name]
        results.append(
            (
                f"throughput {name} over hello-world ({kind}, goal >= {GOALS[kind]}; "
                f"min {min(values):.3f} / median {statistics.median(values):.3f} / max {max(values):.3f})",
                statistics.median(values),
                f"median {statistics.median(rates[name]):.0f} req/s; hello-world median "
                f"{statistics.median(hello_rates):.0f} req/s; gunicorn 2 sync workers, {CLIENTS} clients",
            )
        )
    return results
