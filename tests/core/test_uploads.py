import io
import platform
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pikepdf
import psutil
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import uploads
from core.uploads import MAX_UPLOAD_BYTES, DecodeBudget, clean_image, clean_image_or_pdf

TOO_LARGE = "文件超过10MB，请选择小一些的照片或文件。"
NOT_IMAGE = "无法识别这个文件，请上传 JPEG、PNG 或 WebP 格式的照片。"
BROKEN = "照片已损坏，无法打开，请重新拍摄或选择。"
PIXELS = "这张图片的像素超过了手机照片，请上传手机拍摄的照片，或先把图片缩小再上传。"
BUSY = "现在正在处理的照片较多，请稍等片刻再提交。"
POLYGLOT = "这个文件除了图片还夹带了其他内容，已被拒绝。请上传普通照片。"
NOT_IMAGE_OR_PDF = "请上传照片（JPEG、PNG 或 WebP）或 PDF 文件。"
BAD_PDF = "这个PDF已损坏或设置了密码，无法检查。请上传普通的PDF或照片。"
PDF_JAVASCRIPT = (
    "这个PDF含有打开时可能运行的JavaScript脚本，已被拒绝。请上传普通的PDF（可重新“打印为PDF”）或照片。"
)
PDF_LAUNCH = (
    "这个PDF可以在审核人员的电脑上启动其他程序，已被拒绝。请上传普通的PDF（可重新“打印为PDF”）或照片。"
)
PDF_EMBEDDED = "这个PDF里夹带了其他文件，已被拒绝。请上传普通的PDF（可重新“打印为PDF”）或照片。"
PDF_AUTOMATIC = "这个PDF打开时会自动执行操作，已被拒绝。请上传普通的PDF（可重新“打印为PDF”）或照片。"

CATALOG = b"<</Type/Catalog/Pages 2 0 R>>"
PAGES = b"<</Type/Pages/Kids[3 0 R]/Count 1>>"
PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"


def raw_pdf(*objects: bytes, extra: bytes = b"") -> bytes:
    """A PDF written byte by byte (names exactly as given, escapes included), with a correct xref.

    `extra` is written before the xref but not listed in it: an object a repairing viewer may find."""
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    out += extra
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def catalog_with(entries: bytes, *more: bytes, page: bytes = PAGE) -> bytes:
    return raw_pdf(CATALOG.replace(b">>", entries + b">>"), PAGES, page, *more)


MINIMAL_PDF = raw_pdf(CATALOG, PAGES, PAGE)


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


def one_bit_png(width: int, height: int) -> bytes:
    return image_bytes("PNG", size=(width, height), mode="1")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) claims another size: refused before any decoding."""
    data = bytearray(image_bytes("JPEG", size=(16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def test_the_attack_of_issue_14_is_refused_before_decoding():
    # 6000 x 6000 one-bit PNG: a few kB on the wire, 36 megapixels (108 MB as RGB) once decoded.
    attack = one_bit_png(6000, 6000)
    assert len(attack) < 20_000
    process = psutil.Process()
    before, started = process.memory_info().rss, time.monotonic()
    assert refused(clean_image, attack, "photo.png") == [PIXELS]
    assert time.monotonic() - started < 0.5
    assert process.memory_info().rss - before < 20 * 2**20  # nothing was decoded
    assert uploads.decode_budget.in_use == 0


@pytest.mark.parametrize(
    "data, name",
    [
        (one_bit_png(4097, 4096), "one pixel wider than 4096 x 4096"),
        (one_bit_png(16385, 100), "longer than any photo"),
        (jpeg_claiming(8193, 8192), "a JPEG beyond 64 megapixels"),
        (jpeg_claiming(16385, 100), "a JPEG longer than any photo"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_pictures_beyond_a_phone_photo_are_refused(data, name):
    assert refused(clean_image, data, "photo.jpg") == [PIXELS]


def test_the_largest_png_we_take_is_4096_by_4096():
    clean = clean_image(upload(one_bit_png(4096, 4096), "scan.png"), make_thumbnail=False)
    assert Image.open(io.BytesIO(clean.content.read())).size == (4096, 4096)


def test_a_48_megapixel_phone_jpeg_is_decoded_at_half_scale():
    photo = image_bytes("JPEG", size=(8000, 6000), mode="L")
    clean = clean_image(upload(photo))
    assert Image.open(io.BytesIO(clean.content.read())).size == (4000, 3000)
    assert Image.open(io.BytesIO(clean.thumbnail.read())).size == (480, 360)


def test_the_decode_budget_makes_parallel_uploads_wait_their_turn(monkeypatch):
    class Recording(DecodeBudget):
        peak = 0

        def acquire(self, cost, *, timeout):
            granted = super().acquire(cost, timeout=timeout)
            Recording.peak = max(Recording.peak, self.in_use)
            return granted

    photo = image_bytes("JPEG", size=(1000, 1000))
    one_photo = 1000 * 1000 * uploads.PEAK_BYTES_PER_PIXEL
    monkeypatch.setattr(uploads, "decode_budget", Recording(one_photo * 2))
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: clean_image(upload(photo)), range(6)))
    assert len(results) == 6  # all taken, at most two decoding at once
    assert Recording.peak == one_photo * 2
    assert uploads.decode_budget.in_use == 0


def test_when_the_budget_stays_full_the_upload_is_told_to_try_again(monkeypatch):
    budget = DecodeBudget(1000)
    assert budget.acquire(1000, timeout=0)
    monkeypatch.setattr(uploads, "decode_budget", budget)
    monkeypatch.setattr(uploads, "DECODE_WAIT_SECONDS", 0.05)
    assert refused(clean_image, image_bytes("JPEG")) == [BUSY]
    budget.release(1000)
    assert clean_image(upload(image_bytes("JPEG"))).content_type == "image/jpeg"
    assert budget.in_use == 0


def test_a_waiting_decode_starts_when_another_one_ends():
    budget = DecodeBudget(100)
    assert budget.acquire(80, timeout=0)
    assert not budget.acquire(30, timeout=0.01)
    threading.Timer(0.05, budget.release, args=[80]).start()
    assert budget.acquire(30, timeout=5)
    assert budget.in_use == 30


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


@pytest.mark.parametrize(
    "data, message",
    [
        # The finding of issue 14: name escapes (#61 is a, #53 is S) hid the script from a byte search.
        (catalog_with(b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>"), PDF_JAVASCRIPT),
        (catalog_with(b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>"), PDF_JAVASCRIPT),
        (catalog_with(b"/Names<</JavaScript<</Names[(a) 4 0 R]>>>>", b"<</S/JavaScript/JS 5 0 R>>",
                      b"<</Length 12>>stream\napp.alert(1)\nendstream"), PDF_JAVASCRIPT),
        (catalog_with(b"/AcroForm<</Fields[]/XFA 4 0 R>>", b"<</Length 3>>stream\n<x/>\nendstream"),
         PDF_JAVASCRIPT),
        (catalog_with(b"", b"<</Type/Annot/Subtype/Link/Rect[0 0 9 9]/A<</S/L#61unch/F(cmd.exe)>>>>",
                      page=PAGE.replace(b">>", b"/Annots[4 0 R]>>")), PDF_LAUNCH),
        (catalog_with(b"/Names<</EmbeddedFiles<</Names[(a.exe) 4 0 R]>>>>",
                      b"<</Type/Filespec/F(a.exe)/EF<</F 5 0 R>>>>",
                      b"<</Type/EmbeddedFile/Length 2>>stream\nMZ\nendstream"), PDF_EMBEDDED),
        (catalog_with(b"/OpenAction<</S/URI/URI(https://e.x/)>>"), PDF_AUTOMATIC),
        (catalog_with(b"", page=PAGE.replace(b">>", b"/AA<</O<</S/URI/URI(https://e.x/)>>>>>>")),
         PDF_AUTOMATIC),
        (catalog_with(b"/#41A<</O 4 0 R>>", b"<</S/GoTo/D[3 0 R/Fit]>>"), PDF_AUTOMATIC),
        # An object the xref does not list, found by a viewer that repairs the file.
        (raw_pdf(CATALOG, PAGES, PAGE, extra=b"9 0 obj\n<</S/Java#53cript/JS(x)>>\nendobj\n"), PDF_JAVASCRIPT),
    ],
    ids=["escaped-names", "open-action-js", "names-tree-js", "xfa", "launch", "embedded-file",
         "open-action", "page-aa", "escaped-aa", "outside-the-xref"],
)  # fmt: skip
def test_pdf_with_active_content_is_refused_with_what_it_holds(data, message):
    assert refused(clean_image_or_pdf, data, "certificate.pdf") == [message]


def test_javascript_inside_a_compressed_object_stream_is_found():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    buffer = io.BytesIO()
    pdf.save(buffer, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    data = buffer.getvalue()
    assert b"JavaScript" not in data and b"OpenAction" not in data  # invisible to a byte search
    assert refused(clean_image_or_pdf, data, "certificate.pdf") == [PDF_JAVASCRIPT]


def test_a_pdf_opening_at_a_page_is_accepted():
    # An explicit destination (page and zoom) is not an action: many PDF writers set it.
    data = catalog_with(b"/OpenAction[3 0 R/Fit]")
    assert clean_image_or_pdf(upload(data, "certificate.pdf")).content.read() == data


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\nnot really a pdf at all",
        MINIMAL_PDF[: len(MINIMAL_PDF) // 2],
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",  # no pages
    ],
    ids=["garbage", "truncated", "no-pages"],
)
def test_a_damaged_pdf_is_refused(data):
    assert refused(clean_image_or_pdf, data, "certificate.pdf") == [BAD_PDF]


def test_a_password_locked_pdf_is_refused():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = io.BytesIO()
    pdf.save(buffer, encryption=pikepdf.Encryption(user="secret", owner="secret"))
    assert refused(clean_image_or_pdf, buffer.getvalue(), "certificate.pdf") == [BAD_PDF]


def test_certificate_that_is_neither_image_nor_pdf_is_refused():
    assert refused(clean_image_or_pdf, b"PK\x03\x04 a zip file", "certificate.pdf") == [NOT_IMAGE_OR_PDF]


def test_large_blocks_go_back_to_the_os_on_glibc():
    # On glibc (this machine, Debian production) freed pictures must leave the process.
    assert uploads._return_large_blocks_to_the_os() is (platform.libc_ver()[0] == "glibc")
