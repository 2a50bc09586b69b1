"""Structured logs: one JSON object per line, with the request id that nginx gave the request.

Production writes every log record (Django, Celery, gunicorn) to stdout as JSON
(config/settings.py LOGGING), so the district's log collector reads fields, not prose.
nginx sets X-Request-ID on each request it forwards and writes the same id in its own
access log: one id links nginx's line, the app's lines and the reply the user saw.
"""

import contextvars
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Callable

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# nginx's $request_id is 32 hex digits; a client-chosen id of another shape (or a log-injection
# attempt) is replaced by our own.
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
REQUEST_ID_HEADER = "X-Request-ID"

# Attributes every LogRecord has; anything else was passed by the caller in `extra`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    """Takes the request id from nginx (or makes one), for the logs and the response header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        # Kept until request_finished (forget_request_id), not reset on the way out: Django logs
        # a 4xx/5xx response ("Not Found: /x") after the middleware has returned.
        _request_id.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


@receiver(request_finished)
def forget_request_id(**_kwargs: object) -> None:
    _request_id.set(None)


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message, request_id when there is one, exception text,
    and the record's `extra` fields (only those JSON can hold; others as their repr)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = value
        # ensure_ascii=False keeps Chinese messages readable; json escapes newlines, so a record
        # is always one line.
        return json.dumps(entry, ensure_ascii=False, default=repr)
