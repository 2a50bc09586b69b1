"""Serving private uploads: only through views that have checked who is asking."""

import mimetypes

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse


def private_file_response(file: FieldFile) -> HttpResponse:
    if not file:
        raise Http404
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if settings.PRIVATE_MEDIA_ACCEL_PREFIX:
        # Production: the reverse proxy sends the bytes from an internal location.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_PREFIX + file.name
    else:
        try:
            response = FileResponse(file.open("rb"), content_type=content_type)
        except FileNotFoundError as error:
            raise Http404 from error
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    return response
