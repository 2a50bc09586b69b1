"""Production logs: one JSON object per line, with the request id nginx gave the request."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings

from core.logs import JsonFormatter

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "a-real-secret-" + "k" * 50,
    "FIELD_ENCRYPTION_KEY": "Y2hlY2stZGVwbG95LXRocm93YXdheS1rZXktMDAwMDA=",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
}


def record(message: str, *args, level=logging.WARNING, **extra) -> logging.LogRecord:
    entry = logging.LogRecord("xiaoge.test", level, __file__, 1, message, args, None)
    entry.created = 1796284800.25  # 2026-12-03 08:00:00.250 UTC
    entry.__dict__.update(extra)
    return entry


def test_a_record_is_one_json_line_with_time_level_logger_and_message():
    line = JsonFormatter().format(record("短信发送失败：%s\n第二行", "网关超时"))
    assert "\n" not in line
    assert json.loads(line) == {
        "time": "2026-12-03T08:00:00.250+00:00",
        "level": "WARNING",
        "logger": "xiaoge.test",
        "message": "短信发送失败：网关超时\n第二行",
    }


def test_extra_fields_and_the_exception_are_kept():
    try:
        raise ValueError("bad value")
    except ValueError:
        import sys

        entry = record("failed", level=logging.ERROR, outbox_id=7, when=object)
        entry.exc_info = sys.exc_info()
    logged = json.loads(JsonFormatter().format(entry))
    assert logged["outbox_id"] == 7
    assert logged["when"] == "<class 'object'>"
    assert logged["exception"].startswith("Traceback (most recent call last):")
    assert logged["exception"].endswith("ValueError: bad value")


@pytest.fixture
def json_lines():
    """What the production handler writes, for the loggers a request goes through."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_request_logs_with_the_request_id_from_nginx(client, json_lines):
    request_id = "0123456789abcdef0123456789abcdef"  # nginx's $request_id
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID=request_id)
    assert response.status_code == 404
    assert response["X-Request-ID"] == request_id
    [logged] = json_lines()
    assert {key: value for key, value in logged.items() if key not in ("time", "request")} == {
        "level": "WARNING",
        "logger": "django.request",
        "message": "Not Found: /no-such-page/",
        "status_code": 404,
        "request_id": request_id,
    }


@pytest.mark.django_db
def test_a_request_without_a_usable_id_gets_a_new_one(client, json_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID='x"\n{"level": "forged"}')
    new_id = response["X-Request-ID"]
    assert len(new_id) == 32 and int(new_id, 16) >= 0
    [logged] = json_lines()
    assert logged["request_id"] == new_id
    assert logged["level"] == "WARNING"


def test_outside_a_request_there_is_no_request_id(client, json_lines):
    client.get("/livez", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")
    line = JsonFormatter().format(record("beat tick"))
    assert "request_id" not in json.loads(line)


@pytest.mark.slow(reason="a fresh interpreter imports Django and the production settings")
def test_production_logs_through_the_json_formatter():
    # config.settings with DJANGO_ENV=production, read in a fresh interpreter.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from config import settings; print(json.dumps(settings.LOGGING))",
        ],
        env={**os.environ, **PRODUCTION_ENV},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    logging_config = json.loads(result.stdout)
    assert logging_config["formatters"] == {"json": {"()": "core.logs.JsonFormatter"}}
    assert logging_config["handlers"]["console"] == {"class": "logging.StreamHandler", "formatter": "json"}
