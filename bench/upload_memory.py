"""Peak RSS of a web process under the photo-upload attack of issue 14, against normal uploads.

Starts gunicorn (one gthread worker, four threads: parallel requests share one process, as
they would in production) on the bench database, logs a worker in, and sends four service
requests in parallel, each with three photos:

- baseline: three ordinary phone-size photos (1600 x 1200 JPEG) per request;
- attack: three 6000 x 6000 one-bit PNGs per request (a few kB each, 36 megapixels decoded);
- full size: three 12-megapixel phone photos (4032 x 3024 JPEG, a few MB each) per request,
  accepted: the decodes share the fixed budget (IMAGE_DECODE_MEMORY_MB) instead of adding up.

Prints the peak RSS of the worker process during the attack over its peak during the
baseline (target <= 1.2: the attack is refused from the header), and the same for the
full-size photos (no target: bounded by the budget), with the seconds each round took.
"""

import io
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import psutil
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from PIL import Image

from accounts.models import User

PARALLEL = 4
PHOTOS = 3
ROUNDS = 3


def _photo(kind: str) -> bytes:
    buffer = io.BytesIO()
    if kind == "attack":
        Image.new("1", (6000, 6000)).save(buffer, format="PNG")
    elif kind == "full":
        Image.effect_noise((4032, 3024), 40).convert("RGB").save(buffer, format="JPEG", quality=85)
    else:
        Image.effect_noise((1600, 1200), 40).convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    """DATABASE_URL pointing at the bench's own (test) database."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((parts.scheme, parts.netloc, "/" + connection.settings_dict["NAME"], parts.query, ""))


class PeakRss:
    """Samples the RSS of a process every 5 ms while running."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self):
        self.peak = self.process.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run(*, best_of):
    worker = User.objects.create_user(phone="+8613600000001", real_name="基准小哥")
    login = Client()
    login.force_login(worker)
    session = login.cookies[settings.SESSION_COOKIE_NAME].value

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "gthread", "--threads", str(PARALLEL), "--timeout", "120", "--log-level", "warning"],
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(f"{base}/", timeout=10)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        web_worker = psutil.Process(server.pid).children()[0].pid  # gunicorn's worker, not the arbiter

        http = requests.Session()
        http.cookies.set(settings.SESSION_COOKIE_NAME, session)
        form_page = http.get(f"{base}/services/requests/new/", timeout=30)
        assert form_page.status_code == 200, form_page.status_code
        token = http.cookies["csrftoken"]

        def send(photo: bytes, expect_created: bool) -> None:
            files = [
                ("photos", (f"{index}.img", photo, "application/octet-stream")) for index in range(PHOTOS)
            ]
            data = {
                "csrfmiddlewaretoken": token,
                "kind": "legal",
                "description": "站点两个月没发工资了，想咨询怎么讨薪。",
                "contact_time": "evening",
            }
            response = http.post(
                f"{base}/services/requests/new/",
                data=data,
                files=files,
                headers={"Referer": base + "/"},
                allow_redirects=False,
                timeout=120,
            )
            assert response.status_code == (302 if expect_created else 200), response.status_code

        def round_of(kind: str) -> tuple[int, float]:
            photo = _photo(kind)
            peak, seconds = 0, float("inf")
            for _ in range(ROUNDS):
                with PeakRss(web_worker) as rss, ThreadPoolExecutor(PARALLEL) as pool:
                    started = time.perf_counter()
                    list(pool.map(lambda _: send(photo, kind != "attack"), range(PARALLEL)))
                    seconds = min(seconds, time.perf_counter() - started)
                peak = max(peak, rss.peak)
            return peak, seconds

        normal_peak, normal_seconds = round_of("normal")
        attack_peak, attack_seconds = round_of("attack")
        full_peak, full_seconds = round_of("full")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return [
        (
            "upload attack peak RSS of the web process over normal uploads (target <= 1.2)",
            attack_peak / normal_peak,
            f"{attack_peak / 2**20:.0f} MiB vs {normal_peak / 2**20:.0f} MiB; {PARALLEL} parallel requests x "
            f"{PHOTOS} photos: 6000x6000 1-bit PNGs in {attack_seconds:.2f} s, 1600x1200 JPEGs in "
            f"{normal_seconds:.2f} s",
        ),
        (
            "full-size 12 MP photos peak RSS of the web process over normal uploads (bounded by the budget)",
            full_peak / normal_peak,
            f"{full_peak / 2**20:.0f} MiB vs {normal_peak / 2**20:.0f} MiB; {PARALLEL} x {PHOTOS} 4032x3024 JPEGs "
            f"in {full_seconds:.2f} s, decode budget {settings.IMAGE_DECODE_MEMORY_MB} MiB",
        ),
    ]
