"""Checking and cleaning uploaded files: images re-encoded, PDFs checked, by content not by name.

Every image is decoded and written anew, so nothing but pixels survives: no
EXIF (GPS included), no appended payload. Structural checks reject polyglots
(a picture that is also an archive or a script) before any decoding, and the
pixel count is checked from the header, so decompression bombs cost nothing.

Memory is bounded three ways: a picture is never decoded at more than
MAX_DECODED_PIXELS (16.8 megapixels, 4096 x 4096), which is what a phone photo
needs (a 48-64 megapixel phone JPEG is decoded at half or quarter scale by libjpeg
itself, the DCT "draft" mode, and stored at that size); modes are converted without
whole-image copies where they can be; and the decodes running at once in one
process share a fixed budget of bytes (IMAGE_DECODE_MEMORY_MB), so parallel uploads
wait for each other instead of adding up.

PDFs are parsed by qpdf (through pikepdf), which reads the cross-reference table
and object streams as a viewer does and decodes name escapes, so `/J#61vaScript`
is `/JavaScript`. Every object is walked; JavaScript, launch actions, embedded
files and automatic actions refuse the file, each with its own message.
"""

import ctypes
import ctypes.util
import io
import re
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The most pixels ever held decoded: a 12-megapixel phone photo is 4032 x 3024.
MAX_DECODED_PIXELS = 4096 * 4096
# A JPEG can be decoded at 1/2, 1/4 or 1/8 scale without ever holding the full size, so a
# 48-64 megapixel phone photo is still taken (decoded at half scale). PNG and WebP cannot.
MAX_JPEG_PIXELS = 4 * MAX_DECODED_PIXELS
MAX_SIDE = 16384  # also the JPEG format's own limit is 65535; nothing real is longer than this
# Pillow's own guard for any decode in the process, at the largest header we accept.
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS
# Bytes of pixels one decode may hold at its peak: the decoded picture plus one working copy
# (RGBA flattened onto white), at most 4 bytes a pixel each.
PEAK_BYTES_PER_PIXEL = 8
# A request waits this long for its share of the budget before being told to try again.
DECODE_WAIT_SECONDS = 30
THUMBNAIL_SIZE = (480, 480)
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}

FILE_TOO_LARGE = _("The file is larger than 10 MB. Please choose a smaller photo or file.")
FILE_EMPTY = _("The file is empty. Please choose the file again.")
NOT_AN_IMAGE = _("This file is not a photo we can read. Please upload a JPEG, PNG or WebP image.")
NOT_AN_IMAGE_OR_PDF = _("Please upload a photo (JPEG, PNG or WebP) or a PDF file.")
BROKEN_IMAGE = _("This photo is damaged and cannot be opened. Please take or choose it again.")
TOO_MANY_PIXELS = _(
    "This picture has more pixels than a phone photo. Please upload a photo taken with your phone, or make "
    "the picture smaller first."
)
UPLOADS_BUSY = _("Many photos are being processed right now. Please wait a moment and send it again.")
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


class DecodeBudget:
    """Bytes of decoded pixels the image decodes of this process may hold at once.

    Process-local on purpose: memory is per process, and it must keep working with Redis down."""

    def __init__(self, total_bytes: int) -> None:
        self.total_bytes = total_bytes
        self.in_use = 0
        self._changed = threading.Condition()

    def acquire(self, cost: int, *, timeout: float) -> bool:
        cost = min(cost, self.total_bytes)  # a picture larger than the budget runs alone
        with self._changed:
            if not self._changed.wait_for(lambda: self.in_use + cost <= self.total_bytes, timeout):
                return False
            self.in_use += cost
            return True

    def release(self, cost: int) -> None:
        with self._changed:
            self.in_use -= min(cost, self.total_bytes)
            self._changed.notify_all()


decode_budget = DecodeBudget(settings.IMAGE_DECODE_MEMORY_MB * 2**20)


def _return_large_blocks_to_the_os() -> bool:
    """Make glibc serve blocks of 1 MB and more by mmap, so a freed picture leaves the process.

    By default glibc raises its mmap threshold after the first large free, and from then on
    decoded pictures live in per-thread heaps that keep their peak: four threads that each
    decoded a photo once hold four photos' worth of memory forever, whatever the budget above
    says (measured by bench upload_memory: 636 MiB without this, 309 MiB with it, for 4 x 3
    12-megapixel photos). Elsewhere (musl, macOS) this does nothing.
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = libc.mallopt if libc is not None else None
    except (OSError, AttributeError):
        return False
    if mallopt is None:
        return False
    m_mmap_threshold = -3  # <malloc.h>
    return bool(mallopt(m_mmap_threshold, 1 << 20))


_return_large_blocks_to_the_os()


def _decoded_size(kind: str, width: int, height: int) -> tuple[int, int]:
    """The size the picture will be decoded at, or TOO_MANY_PIXELS before anything is decoded."""
    limit = MAX_JPEG_PIXELS if kind == "JPEG" else MAX_DECODED_PIXELS
    if width * height > limit or max(width, height) > MAX_SIDE:
        raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels")
    scale = 1
    while (width // scale) * (height // scale) > MAX_DECODED_PIXELS:
        scale *= 2  # only JPEG gets here (1/2 or 1/4), through draft mode
    return -(-width // scale), -(-height // scale)


def _reencode(data: bytes, kind: str, *, make_thumbnail: bool) -> CleanFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            if image.format != kind:
                raise ValidationError(SUSPICIOUS_FILE, code="polyglot")
            size = _decoded_size(kind, *image.size)
    except ValidationError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise ValidationError(TOO_MANY_PIXELS, code="too_many_pixels") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValidationError(BROKEN_IMAGE, code="broken_image") from error
    cost = size[0] * size[1] * PEAK_BYTES_PER_PIXEL
    if not decode_budget.acquire(cost, timeout=DECODE_WAIT_SECONDS):
        raise ValidationError(UPLOADS_BUSY, code="uploads_busy")
    try:
        return _decode_and_write(image, data, kind, size, make_thumbnail=make_thumbnail)
    finally:
        image.close()
        decode_budget.release(cost)


def _decode_and_write(image, data: bytes, kind: str, size, *, make_thumbnail: bool) -> CleanFile:
    try:
        if size != image.size:
            image.draft("RGB" if image.mode != "L" else "L", size)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValidationError(BROKEN_IMAGE, code="broken_image") from error
    # Only a picture that decoded whole can be judged for what rides after it.
    if _has_trailing_payload(data, kind):
        raise ValidationError(SUSPICIOUS_FILE, code="polyglot")
    ImageOps.exif_transpose(image, in_place=True)  # keep the orientation the phone meant, drop EXIF
    image = _without_alpha(image)
    content = ContentFile(_jpeg_bytes(image), name="image.jpg")
    thumbnail = None
    if make_thumbnail:
        ratio = min(THUMBNAIL_SIZE[0] / image.width, THUMBNAIL_SIZE[1] / image.height, 1)
        small = image.resize((max(1, round(image.width * ratio)), max(1, round(image.height * ratio))))
        thumbnail = ContentFile(_jpeg_bytes(small), name="thumbnail.jpg")
    return CleanFile(content=content, content_type="image/jpeg", thumbnail=thumbnail)


def _without_alpha(image: Image.Image) -> Image.Image:
    """RGB or L, converted once; only a picture with transparency is flattened onto white."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # No optimize=True: its second Huffman pass buffers every coefficient of the picture (about
    # 40 MB for 12 megapixels) to save a few per cent of the file.
    image.save(buffer, format="JPEG", quality=85)
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
