"""deploy/nginx/nginx.conf for real: Debian's nginx in front of gunicorn with production settings.

The configuration file of the nginx image, with only its ports and paths replaced by local ones
(a replacement that no longer matches fails the test, so the file cannot drift away from what
is tested). gunicorn runs deploy/gunicorn.conf.py with DJANGO_ENV=production against the test
database, static files collected as the image collects them. nginx is a Debian package
(`apt-get install nginx libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static`;
.ci/run installs it): without it these tests fail, they never skip.
"""

import datetime as dt
import gzip
import http.client
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.urls import reverse

from core.uploads import MAX_UPLOAD_BYTES
from deliberation.actions import MAX_PHOTOS as STATION_PHOTOS
from governance.actions import MAX_PHOTOS as GRID_REPORT_PHOTOS
from services.actions import MAX_PHOTOS as SERVICE_REQUEST_PHOTOS
from tests.academy.factories import worker
from tests.subsidies.factories import SubsidyApplicationFactory

pytestmark = pytest.mark.slow(reason="starts gunicorn and nginx and collects the static files once")

DEPLOY = Path(settings.BASE_DIR) / "deploy"
NGINX_CONF = DEPLOY / "nginx" / "nginx.conf"
NGINX_MISSING = (
    "nginx is not installed: apt-get install nginx libnginx-mod-http-brotli-filter "
    "libnginx-mod-http-brotli-static (.ci/run installs it)"
)
# Production keys for this gunicorn; the test process signs its session cookie with the same.
SECRET_KEY = "nginx-test-secret-" + "s" * 40
FIELD_ENCRYPTION_KEY = "bmdpbngtdGVzdC1maWVsZC1rZXktMDAwMDAwMDAwMDA="
HOST = "localhost"
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listens on {port} after {seconds} s:\n{log.read_text()[-3000:]}")


def self_signed_certificate(folder: Path) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir()
    (folder / "fullchain.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "privkey.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return folder / "fullchain.pem"


def local_config(replacements: dict[str, tuple[str, int]]) -> str:
    """nginx.conf with each string replaced by a local one; each must occur exactly as often as said."""
    text = NGINX_CONF.read_text()
    for old, (new, count) in replacements.items():
        assert text.count(old) == count, f"deploy/nginx/nginx.conf: {old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


@dataclass
class Stack:
    https_port: int
    http_port: int
    gunicorn_port: int
    certificate: Path
    static_root: Path
    media_root: Path
    access_log: Path
    app_log: Path
    env: dict[str, str]

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str):
        context = ssl.create_default_context(cafile=str(self.certificate))
        connection = http.client.HTTPSConnection("127.0.0.1", self.https_port, context=context, timeout=30)
        try:
            connection.request(method, path, body=body, headers={"Host": HOST, **headers})
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def get(self, path: str, **headers: str):
        return self.request("GET", path, **headers)

    def access_log_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.access_log.read_text().splitlines()]


def production_env(database_name: str, static_root: Path, media_root: Path) -> dict[str, str]:
    # The environment's URL with the test database's name: it keeps a socket directory (the
    # embedded PostgreSQL's `?host=`), which HOST and PORT would lose.
    url = urlsplit(os.environ["DATABASE_URL"])
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=SECRET_KEY,
        FIELD_ENCRYPTION_KEY=FIELD_ENCRYPTION_KEY,
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL=urlunsplit((url.scheme, url.netloc, f"/{database_name}", url.query, "")),
        REDIS_URL=settings.REDIS_URL,
        STATIC_ROOT=str(static_root),
        PRIVATE_MEDIA_ROOT=str(media_root),
        PRIVATE_MEDIA_ACCEL_PREFIX="/internal-private/",
        TRUSTED_PROXY_COUNT="1",
        LOG_FORMAT="json",
    )
    return env


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None:
        pytest.fail(NGINX_MISSING)
    from django.db import connection

    root = tmp_path_factory.mktemp("nginx-stack")
    # nginx's workers must read the static and private files (and write their temp files).
    root.chmod(0o755)
    static_root, media_root, run = root / "static", root / "private", root / "run"
    media_root.mkdir()
    run.mkdir()
    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    env = production_env(database_name, static_root, media_root)

    # As the image's build stage does (deploy/Dockerfile).
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr

    gunicorn_port, https_port, http_port = free_port(), free_port(), free_port()
    gunicorn_log = root / "gunicorn.log"
    gunicorn_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{gunicorn_port}",
        "WEB_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(run / "prometheus"),
    }
    with gunicorn_log.open("w") as log:
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "deploy/gunicorn.conf.py"],
            cwd=settings.BASE_DIR,
            env=gunicorn_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    nginx_process = None
    try:
        wait_for_port(gunicorn_port, gunicorn, gunicorn_log)
        certificate = self_signed_certificate(root / "tls")
        access_log = root / "access.log"
        config = local_config(
            {
                "/tmp/nginx/": (f"{run}/", 6),
                "error_log stderr warn;": (f"error_log {root}/error.log warn;", 1),
                "access_log /dev/stdout json;": (f"access_log {access_log} json;", 1),
                "server web:8000;": (f"server 127.0.0.1:{gunicorn_port};", 1),
                "listen 8080 default_server;": (f"listen 127.0.0.1:{http_port} default_server;", 1),
                "listen 8443 ssl http2 default_server;": (
                    f"listen 127.0.0.1:{https_port} ssl http2 default_server;",
                    1,
                ),
                "/etc/nginx/tls/": (f"{root}/tls/", 2),
                "alias /srv/static/;": (f"alias {static_root}/;", 1),
                "alias /var/lib/xiaoge/private/;": (f"alias {media_root}/;", 1),
            }
        )
        conf = root / "nginx.conf"
        conf.write_text(config)
        # The image runs nginx as www-data; run as root here, its workers would be `nobody`.
        # (nginx takes one -g: the directives in one string.)
        user = "user root;" if os.geteuid() == 0 else ""
        tested = subprocess.run(
            [nginx, "-t", "-e", str(root / "error.log"), "-c", str(conf), "-g", user or "daemon on;"],
            capture_output=True,
            text=True,
        )
        assert tested.returncode == 0, tested.stderr
        nginx_log = root / "nginx.out"
        with nginx_log.open("w") as log:
            nginx_process = subprocess.Popen(
                [nginx, "-e", str(root / "error.log"), "-c", str(conf), "-g", f"daemon off; {user}"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(https_port, nginx_process, nginx_log)
        yield Stack(
            https_port=https_port,
            http_port=http_port,
            gunicorn_port=gunicorn_port,
            certificate=certificate,
            static_root=static_root,
            media_root=media_root,
            access_log=access_log,
            app_log=gunicorn_log,
            env=gunicorn_env,
        )
    finally:
        # Fast shutdowns: SIGTERM for nginx, SIGINT for gunicorn (whose SIGTERM would wait
        # for nginx's idle keep-alive connections).
        for process in (nginx_process, gunicorn):
            if process is not None:
                process.send_signal(signal.SIGTERM if process is nginx_process else signal.SIGINT)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
def production_keys(settings, stack):
    """The test process signs sessions and encrypts as the production gunicorn does."""
    settings.SECRET_KEY = SECRET_KEY
    settings.FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_KEY
    settings.MEDIA_ROOT = stack.media_root


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def headers_named(response, name: str) -> list[str]:
    return [value for key, value in response.getheaders() if key.lower() == name.lower()]


# --- Private files: X-Accel-Redirect after the app's access check ------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_private_file_is_sent_by_nginx_after_the_apps_check_and_refused_without(
    stack, production_keys, client
):
    application = SubsidyApplicationFactory()
    url = reverse("subsidies:document_file", args=[application.pk, "employment_proof"])
    stored = stack.media_root / application.employment_proof.name
    assert stored.read_bytes() == b"\xff\xd8\xffproof"

    response, body = stack.get(url, Cookie=session_cookie(client, application.applicant))
    assert response.status == 200
    assert body == b"\xff\xd8\xffproof"
    assert headers_named(response, "X-Accel-Redirect") == []
    assert headers_named(response, "Content-Type") == ["image/jpeg"]
    assert headers_named(response, "Content-Disposition") == ["inline"]
    assert headers_named(response, "Cache-Control") == ["private, no-store"]
    assert headers_named(response, "X-Content-Type-Options") == ["nosniff"]
    assert headers_named(response, "Content-Security-Policy") == [
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    ]
    assert headers_named(response, "Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains; preload"
    ]

    # Another worker: the app says no, nginx sends nothing of the file.
    response, body = stack.get(url, Cookie=session_cookie(client, worker()))
    assert response.status == 404
    assert b"\xff\xd8\xffproof" not in body

    # Nobody logged in: to the login page.
    response, body = stack.get(url)
    assert response.status == 302
    assert response.getheader("Location") == f"/accounts/login/code/?next={url}"
    assert body == b""


def test_the_internal_location_cannot_be_asked_for_directly(stack):
    (stack.media_root / "subsidies").mkdir(exist_ok=True)
    (stack.media_root / "subsidies" / "direct.jpg").write_bytes(b"\xff\xd8\xffsecret")
    for path in (
        "/internal-private/subsidies/direct.jpg",
        "/internal-private/../private/subsidies/direct.jpg",
    ):
        response, body = stack.get(path)
        assert response.status == 404
        assert b"secret" not in body


# --- Static files, compression, security headers -------------------------------------------------


def test_static_files_come_from_nginx_with_long_caching_for_hashed_names(stack):
    manifest = json.loads((stack.static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/portal.css"]
    expected = (stack.static_root / hashed).read_bytes()

    response, body = stack.get(f"/static/{hashed}")
    assert response.status == 200
    assert body == expected
    assert headers_named(response, "Cache-Control") == ["public, max-age=31536000, immutable"]
    assert headers_named(response, "X-Content-Type-Options") == ["nosniff"]
    assert headers_named(response, "Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains; preload"
    ]
    assert response.getheader("Content-Type") == "text/css"
    assert response.getheader("Server") == "nginx"  # server_tokens off: no version

    response, _body = stack.get("/static/css/portal.css")
    assert headers_named(response, "Cache-Control") == ["public, max-age=3600"]

    response, body = stack.get(f"/static/{hashed}", **{"Accept-Encoding": "gzip"})
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == expected


def test_pages_from_the_app_are_compressed_with_brotli(stack):
    response, body = stack.get("/", **{"Accept-Encoding": "br"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "br"
    # nginx's Vary and Django's, one meaning: Accept-Encoding, Cookie, Accept-Language.
    assert headers_named(response, "Vary") == ["Accept-Encoding", "Cookie, Accept-Language"]
    assert "text/html" in response.getheader("Content-Type")
    _plain_response, plain = stack.get("/")
    assert plain.startswith(b"<!DOCTYPE html>")
    assert len(body) < len(plain) / 2  # (no brotli decoder here to compare the bytes)


def test_security_headers_of_the_app_are_not_doubled_by_nginx(stack):
    response, _body = stack.get("/")
    assert response.status == 200
    for name, value in {
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }.items():
        assert headers_named(response, name) == [value], name
    assert len(headers_named(response, "Content-Security-Policy")) == 1


def test_one_request_id_in_nginxs_log_the_apps_reply_and_the_apps_log(stack):
    response, _body = stack.get("/livez")
    request_id = response.getheader("X-Request-ID")
    assert len(request_id) == 32
    # nginx writes its access log line when the request is done.
    deadline = time.monotonic() + 5
    while not any(line["request_id"] == request_id for line in stack.access_log_lines()):
        assert time.monotonic() < deadline, stack.access_log.read_text()[-2000:]
        time.sleep(0.1)
    [line] = [line for line in stack.access_log_lines() if line["request_id"] == request_id]
    assert {key: line[key] for key in ("logger", "method", "uri", "status")} == {
        "logger": "nginx.access",
        "method": "GET",
        "uri": "/livez",
        "status": 200,
    }


# --- Limits and what nginx keeps to itself -------------------------------------------------------


def test_the_upload_limit_is_the_largest_form_the_app_takes():
    largest_form = max(GRID_REPORT_PHOTOS, SERVICE_REQUEST_PHOTOS, STATION_PHOTOS) * MAX_UPLOAD_BYTES + 2 * MB
    assert f"client_max_body_size {largest_form // MB}m;" in NGINX_CONF.read_text()


def test_an_oversize_upload_is_refused_by_nginx_before_the_app(stack):
    limit = 32 * MB
    response, _body = stack.request(
        "POST", "/livez", body=b"x" * (limit + 1), **{"Content-Type": "application/octet-stream"}
    )
    assert response.status == 413
    # Just under the limit reaches the app, whose CSRF check refuses a POST without its token. The
    # request must get as far as reading the whole body looking for that token: a same-origin Origin
    # and a well-formed CSRF cookie pass the checks before it, which refuse without reading the body
    # (no Referer, no cookie). Refused unread, gunicorn closes the connection while nginx is still
    # sending the body, and nginx answers 502.
    boundary = "xiaoge-upload-limit"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    body = head + b"x" * (limit - 1024 - len(head) - len(tail)) + tail
    response, _body = stack.request(
        "POST",
        "/livez",
        body=body,
        **{
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": f"https://{HOST}",
            "Cookie": "csrftoken=" + "a" * 32,
        },
    )
    assert response.status == 403
    request_id = response.getheader("X-Request-ID")
    [refusal] = [line for line in stack.app_log.read_text().splitlines() if request_id in line]
    assert "CSRF token missing" in refusal, refusal


def test_metrics_are_not_served_through_nginx(stack):
    response, _body = stack.get("/metrics")
    assert response.status == 404
    assert response.getheader("X-Request-ID") is None  # nginx's answer, not the app's


def test_plain_http_redirects_to_https(stack):
    connection = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    connection.request("GET", "/services/?q=1", headers={"Host": HOST})
    response = connection.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/services/?q=1"
    connection.close()


def test_the_container_probe_reads_liveness_and_readiness(stack):
    for path in ("/livez", "/readyz"):
        probe = subprocess.run(
            [sys.executable, "deploy/probe.py", path],
            cwd=settings.BASE_DIR,
            env=stack.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert (probe.returncode, probe.stderr) == (0, "")
