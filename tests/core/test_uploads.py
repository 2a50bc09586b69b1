import io
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.uploads import MAX_UPLOAD_BYTES, clean_image, clean_image_or_pdf

TOO_LARGE = "文件超过10MB，请选择小一些的照片或文件。"
NOT_IMAGE = "无法识别这个文件，请上传 JPEG、PNG 或 WebP 格式的照片。"
BROKEN = "照片已损坏，无法打开，请重新拍摄或选择。"
PIXELS = "照片像素太高，请上传小一些的照片。"
POLYGLOT = "这个文件除了图片还夹带了其他内容，已被拒绝。请上传普通照片。"
NOT_IMAGE_OR_PDF = "请上传照片（JPEG、PNG 或 WebP）或 PDF 文件。"
BAD_PDF = "这个PDF已损坏或含有脚本等活动内容，请上传普通的PDF或照片。"

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def image_bytes(fmt: str, size=(64, 48), mode="RGB", **save_args) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "red").save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 16.0, 30.0)}  # GPSInfo: where the photo was taken
    exif[0x0112] = 1
    return image_bytes("JPEG", exif=exif.tobytes())


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def refused(function, data: bytes, name: str = "photo.jpg") -> list[str]:
    with pytest.raises(ValidationError) as error:
        function(upload(data, name))
    return error.value.messages


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_images_are_accepted_by_content_and_re_encoded(fmt):
    clean = clean_image(upload(image_bytes(fmt), name="whatever.txt"))
    assert clean.content_type == "image/jpeg"
    reopened = Image.open(io.BytesIO(clean.content.read()))
    assert (reopened.format, reopened.size) == ("JPEG", (64, 48))
    assert Image.open(io.BytesIO(clean.thumbnail.read())).format == "JPEG"


def test_exif_and_gps_are_stripped():
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825) is not None
    clean = clean_image(upload(data))
    reopened = Image.open(io.BytesIO(clean.content.read()))
    assert dict(reopened.getexif()) == {}


def test_transparent_png_is_flattened():
    clean = clean_image(upload(image_bytes("PNG", mode="RGBA")))
    assert Image.open(io.BytesIO(clean.content.read())).mode == "RGB"


def test_a_text_file_named_like_a_photo_is_refused():
    assert refused(clean_image, b"just some text, not a photo", "photo.jpg") == [NOT_IMAGE]


def test_a_gif_is_not_accepted():
    assert refused(clean_image, image_bytes("GIF")) == [NOT_IMAGE]


def test_an_oversized_file_is_refused():
    assert refused(clean_image, b"\xff\xd8\xff" + b"0" * MAX_UPLOAD_BYTES) == [TOO_LARGE]


def test_an_empty_file_is_refused():
    assert refused(clean_image, b"") == ["文件是空的，请重新选择。"]


def test_a_broken_image_is_refused():
    data = image_bytes("JPEG", size=(400, 400))
    assert refused(clean_image, data[: len(data) // 2]) == [BROKEN]


def test_a_decompression_bomb_is_refused_quickly():
    bomb = image_bytes("PNG", size=(20000, 20000), mode="1")  # 400 M pixels in a few kB
    assert len(bomb) < 200_000
    started = time.monotonic()
    assert refused(clean_image, bomb) == [PIXELS]
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    "fmt, payload",
    [
        ("JPEG", b"PK\x03\x04" + b"\x00" * 40),
        ("PNG", b"<script>alert(1)</script>"),
        ("WEBP", b"<?php echo 1; ?>"),
    ],
)
def test_polyglots_are_refused(fmt, payload):
    assert refused(clean_image, image_bytes(fmt) + payload) == [POLYGLOT]


def test_pdf_is_kept_as_it_is():
    clean = clean_image_or_pdf(upload(MINIMAL_PDF, "certificate.pdf"))
    assert (clean.content_type, clean.content.read()) == ("application/pdf", MINIMAL_PDF)


def test_pdf_with_javascript_is_refused():
    data = MINIMAL_PDF.replace(
        b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>"
    )
    assert refused(clean_image_or_pdf, data, "certificate.pdf") == [BAD_PDF]


def test_certificate_that_is_neither_image_nor_pdf_is_refused():
    assert refused(clean_image_or_pdf, b"PK\x03\x04 a zip file", "certificate.pdf") == [NOT_IMAGE_OR_PDF]
