"""One exception handler maps business errors to `{"message", "extra"}`."""

from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError

INVALID_INPUT = gettext_lazy("Invalid input: see the fields listed in “extra”.")


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response({"message": exc.message, "extra": exc.extra}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        body = {"message": str(detail["detail"]), "extra": {}}
    else:
        message = str(INVALID_INPUT) if response.status_code == status.HTTP_400_BAD_REQUEST else str(exc)
        body = {"message": message, "extra": {"fields": detail}}
    response.data = body
    return response
