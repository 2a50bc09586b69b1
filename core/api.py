"""One exception handler maps business errors to `{"message", "extra"}`."""

import io

from django.conf import settings
from django.utils.translation import gettext_lazy
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError
from core.validation import MAX_JSON_DEPTH, TOO_DEEP, json_depth_exceeds

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


class DepthLimitedJSONParser(JSONParser):
    """JSON bodies nested deeper than MAX_JSON_DEPTH are refused before json.loads recurses
    (5,000 levels would end in a RecursionError, a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            text = ""  # JSONParser says what is wrong with it
        if json_depth_exceeds(text):
            raise ParseError(str(TOO_DEEP) % {"max": MAX_JSON_DEPTH})
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise ParseError(str(TOO_DEEP) % {"max": MAX_JSON_DEPTH}) from None
