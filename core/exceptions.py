"""Typed business errors. Views, admin and the API show `message` to people."""

from typing import Any


class ApplicationError(Exception):
    """A rule of the domain refused the request; the message says why, in plain words."""

    status_code = 400

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class TransitionNotAllowed(ApplicationError):
    status_code = 409


class PermissionDenied(ApplicationError):
    status_code = 403


class NotFound(ApplicationError):
    status_code = 404
