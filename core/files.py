"""Serving private uploads: only through views that have checked who is asking.

Three ways to send the bytes once the view has said yes (config/settings.py):
- files on disk behind nginx: an `X-Accel-Redirect` to an internal location;
- otherwise streamed through Django, from the disk or from the bucket (core.storage);
- with PRIVATE_MEDIA_DELIVERY=signed-url: a redirect to a signed URL of the bucket that
  expires in PRIVATE_MEDIA_URL_EXPIRE_SECONDS, so the web node does not carry the bytes.
"""

import mimetypes

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase

from core.storage import PrivateS3Storage

SIGNED_URL = "signed-url"


def private_file_response(file: FieldFile) -> HttpResponseBase:
    """An X-Accel-Redirect, a redirect to a signed URL, or a streaming FileResponse."""
    name = file.name
    if not name:  # a FieldFile is falsy exactly when it has no name: nothing stored
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response: HttpResponseBase
    if settings.PRIVATE_MEDIA_ACCEL_PREFIX:
        # Production: the reverse proxy sends the bytes from an internal location.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_PREFIX + name
    elif settings.PRIVATE_MEDIA_DELIVERY == SIGNED_URL and isinstance(file.storage, PrivateS3Storage):
        # The bucket sends the bytes; it cannot add our sandbox CSP, which is why streaming is
        # the default.
        response = HttpResponseRedirect(
            file.storage.signed_url(
                name, content_type=content_type, expire=settings.PRIVATE_MEDIA_URL_EXPIRE_SECONDS
            )
        )
    else:
        response = _streamed(file, name, content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    return response


def _streamed(file: FieldFile, name: str, content_type: str) -> FileResponse:
    try:
        if not isinstance(file.storage, PrivateS3Storage):
            return FileResponse(file.open("rb"), content_type=content_type)
        body, size = file.storage.open_stream(name)
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(body, content_type=content_type)
    response["Content-Length"] = str(size)
    return response
