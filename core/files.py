"""Serving private uploads: only through views that have checked who is asking."""

import mimetypes

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase


def private_file_response(file: FieldFile) -> HttpResponseBase:
    """An HttpResponse in production, a (streaming) FileResponse otherwise."""
    name = file.name
    if not name:  # a FieldFile is falsy exactly when it has no name: nothing stored
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response: HttpResponseBase
    if settings.PRIVATE_MEDIA_ACCEL_PREFIX:
        # Production: the reverse proxy sends the bytes from an internal location.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_PREFIX + name
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
