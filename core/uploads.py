"""Checking and cleaning uploaded files: images re-encoded, PDFs checked, by content not by name.

Every image is decoded and written anew, so nothing but pixels survives: no
EXIF (GPS included), no appended payload. Structural checks reject polyglots
(a picture that is also an archive or a script) before any decoding, and the
pixel count is checked from the header, so decompression bombs cost nothing.

PDFs are parsed by qpdf (through pikepdf), which reads the cross-reference table
and object streams as a viewer does and decodes name escapes, so `/J#61vaScript`
is `/JavaScript`. Every object is walked; JavaScript, launch actions, embedded
files and automatic actions refuse the file, each with its own message.
"""

import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is 8000 x 6000 = 48 M; 40 M still allows 7000 x 5700
THUMBNAIL_SIZE = (480, 480)
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}

FILE_TOO_LARGE = _("The file is larger than 10 MB. Please choose a smaller photo or file.")
FILE_EMPTY = _("The file is empty. Please choose the file again.")
NOT_AN_IMAGE = _("This file is not a photo we can read. Please upload a JPEG, PNG or WebP image.")
NOT_AN_IMAGE_OR_PDF = _("Please upload a photo (JPEG, PNG or WebP) or a PDF file.")
BROKEN_IMAGE = _("This photo is damaged and cannot be opened. Please take or choose it again.")
TOO_MANY_PIXELS = _("This photo has too many pixels. Please upload a smaller photo.")
SUSPICIOUS_FILE = _("This file contains more than a picture and was refused. Please upload a plain photo.")
BROKEN_PDF = _(
    "This PDF is damaged or locked with a password, so it cannot be checked. Please upload a plain PDF "
    "or a photo."
)
PDF_JAVASCRIPT = _(
    "This PDF contains JavaScript, which could run when it is opened, and was refused. Please upload a "
    "plain PDF (print it to PDF again) or a photo."
)
PDF_LAUNCH = _(
    "This PDF can start other programs on the reviewer's computer and was refused. Please upload a plain "
    "PDF (print it to PDF again) or a photo."
)
PDF_EMBEDDED_FILES = _(
    "This PDF carries other files inside it and was refused. Please upload a plain PDF (print it to PDF "
    "again) or a photo."
)
PDF_AUTOMATIC_ACTION = _(
    "This PDF runs actions by itself when it is opened and was refused. Please upload a plain PDF (print "
    "it to PDF again) or a photo."
)
# Names as qpdf decodes them, with what each one means. /XFA forms carry scripts of their own;
# /EF is the embedded-file stream of a file specification.
ACTIVE_PDF_NAMES = {
    "/JavaScript": ("pdf_javascript", PDF_JAVASCRIPT),
    "/JS": ("pdf_javascript", PDF_JAVASCRIPT),
    "/XFA": ("pdf_javascript", PDF_JAVASCRIPT),
    "/Launch": ("pdf_launch", PDF_LAUNCH),
    "/EmbeddedFiles": ("pdf_embedded_files", PDF_EMBEDDED_FILES),
    "/EmbeddedFile": ("pdf_embedded_files", PDF_EMBEDDED_FILES),
    "/EF": ("pdf_embedded_files", PDF_EMBEDDED_FILES),
    "/AA": ("pdf_automatic_action", PDF_AUTOMATIC_ACTION),
}
# The first found is reported; a script is the worst news.
_PDF_SEVERITY = ["pdf_javascript", "pdf_launch", "pdf_embedded_files", "pdf_automatic_action"]


@dataclass(frozen=True)
class CleanFile:
    content: ContentFile
    content_type: str
    thumbnail: ContentFile | None = None


def _read_all(upload) -> bytes:
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(FILE_TOO_LARGE, code="file_too_large")
    upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(FILE_TOO_LARGE, code="file_too_large")
    if not data:
        raise ValidationError(FILE_EMPTY, code="file_empty")
    return data


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data.startswith(b"%PDF-"):
        return "PDF"
    return None


def _has_trailing_payload(data: bytes, kind: str) -> bool:
    """Anything after the format's own end marker is a second file riding along."""
    if kind == "JPEG":
        return not data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9")
    if kind == "PNG":
        return not data.endswith(b"IEND\xaeB`\x82")
    if kind == "WEBP":
        declared = int.from_bytes(data[4:8], "little") + 8
        return declared + (declared % 2) < len(data)
    return False


def clean_image(upload, *, make_thumbnail: bool = True) -> CleanFile:
    data = _read_all(upload)
    kind = _sniff(data)
    if kind not in IMAGE_FORMATS:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image")
    return _reencode(data, kind, make_thumbnail=make_thumbnail)


def _reencode(data: bytes, kind: str, *, make_thumbnail: bool) -> CleanFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != kind:
                raise ValidationError(SUSPICIOUS_FILE, code="polyglot")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels")
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValidationError(BROKEN_IMAGE, code="broken_image") from error
    # Only a picture that decoded whole can be judged for what rides after it.
    if _has_trailing_payload(data, kind):
        raise ValidationError(SUSPICIOUS_FILE, code="polyglot")
    image = ImageOps.exif_transpose(image)  # keep the orientation the phone meant, then drop EXIF
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    content = ContentFile(_jpeg_bytes(image), name="image.jpg")
    thumbnail = None
    if make_thumbnail:
        small = image.copy()
        small.thumbnail(THUMBNAIL_SIZE)
        thumbnail = ContentFile(_jpeg_bytes(small), name="thumbnail.jpg")
    return CleanFile(content=content, content_type="image/jpeg", thumbnail=thumbnail)


def _jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def clean_image_or_pdf(upload) -> CleanFile:
    """Certificates and proofs: a photo (re-encoded) or a PDF (checked, kept as it is)."""
    data = _read_all(upload)
    kind = _sniff(data)
    if kind in IMAGE_FORMATS:
        return _reencode(data, kind, make_thumbnail=False)
    if kind != "PDF":
        raise ValidationError(NOT_AN_IMAGE_OR_PDF, code="not_an_image_or_pdf")
    check_pdf(data)
    return CleanFile(content=ContentFile(data, name="document.pdf"), content_type="application/pdf")


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that is damaged, locked, or holds active content anywhere in it."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            found = set(_active_content(pdf))
    except pikepdf.PasswordError as error:
        raise ValidationError(BROKEN_PDF, code="broken_pdf") from error
    except (pikepdf.PdfError, ValueError, RecursionError) as error:
        raise ValidationError(BROKEN_PDF, code="broken_pdf") from error
    # Also the objects the cross-reference table does not list (a viewer that repairs the
    # file may still find them), read from the bytes outside stream data, escapes decoded.
    found |= {ACTIVE_PDF_NAMES[name][0] for name in _raw_names(data) if name in ACTIVE_PDF_NAMES}
    for code in _PDF_SEVERITY:
        if code in found:
            message = next(text for key, text in ACTIVE_PDF_NAMES.values() if key == code)
            raise ValidationError(message, code=code)


def _active_content(pdf: pikepdf.Pdf) -> Iterator[str]:
    """Codes of the active content in every object of the file (object streams included)."""
    stack = [pdf.trailer, *pdf.objects]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            for key in obj.keys():  # noqa: SIM118  (pikepdf dictionaries iterate differently)
                if key in ACTIVE_PDF_NAMES:
                    yield ACTIVE_PDF_NAMES[key][0]
                value = obj.get(key)
                if key == "/OpenAction" and isinstance(value, pikepdf.Dictionary):
                    # An action on opening; a plain destination (an array: page and zoom) is harmless.
                    yield "pdf_automatic_action"
                if _is_direct_container(value):  # indirect objects are walked on their own, once
                    stack.append(value)
        elif isinstance(obj, pikepdf.Array):
            stack.extend(item for item in obj if _is_direct_container(item))
        elif isinstance(obj, pikepdf.Name) and str(obj) in ACTIVE_PDF_NAMES:
            yield ACTIVE_PDF_NAMES[str(obj)][0]


def _is_direct_container(value) -> bool:
    return isinstance(value, pikepdf.Dictionary | pikepdf.Array | pikepdf.Name) and not value.is_indirect


_STREAM_DATA = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_NAME_TOKEN = re.compile(rb"/[^\s/<>\[\]()%{}]*")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _raw_names(data: bytes) -> Iterator[str]:
    for token in _NAME_TOKEN.findall(_STREAM_DATA.sub(b"", data)):
        yield _NAME_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), token).decode("latin-1")
