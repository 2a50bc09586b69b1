"""Private uploads in an S3-compatible bucket (issue 16): upload, serve, deny, move.

Every test here runs against moto's standalone S3 server started for the session
(tests/s3_server.py), over real HTTP with signed requests: nothing in boto3 is patched. Each
test gets a fresh private bucket as the default storage (the `object_storage` fixture), as
PRIVATE_STORAGE=s3 configures it in production.

The access checks are the views' own and do not depend on where the bytes are; what is asked
here is that each surface answers every role exactly as on disk (tests/academy, subsidies,
services, governance test_views), in both ways of sending a file (streamed through Django, or a
redirect to a signed URL of five minutes), and that a denied answer gives nothing away and
changes nothing.
"""

import io
import urllib.error
import urllib.request
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.views import redirect_to_login
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from academy.models import Enrolment
from accounts import roles
from core.storage import PrivateS3Storage
from governance import actions as governance_actions
from governance.models import ReportPhoto
from services.models import ServiceRequestPhoto
from tests.academy.factories import EnrolmentFactory, OfferingFactory, worker
from tests.core.test_uploads import MINIMAL_PDF
from tests.factories import StaffFactory, UserFactory, staff_in
from tests.governance.factories import GridMemberFactory, category, clean_photo, photo_upload
from tests.services.factories import ServiceRequestFactory
from tests.subsidies.factories import SubsidyApplicationFactory

pytestmark = pytest.mark.django_db

SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
ROLES = ("anonymous", "owner", "other_worker", "staff_without_permission", "handling_staff")
# Who handles each kind of file (accounts/roles.py), and how each role is answered today.
SURFACES = {
    "academy_certificate": (
        roles.CHECKER,
        {"anonymous": 302, "other_worker": 404, "staff_without_permission": 404},
    ),
    "subsidy_document": (
        roles.CHECKER,
        {"anonymous": 302, "other_worker": 404, "staff_without_permission": 404},
    ),
    "service_request_photo": (
        roles.SERVICE_STAFF,
        {"anonymous": 302, "other_worker": 404, "staff_without_permission": 404},
    ),
    # A report nobody has reviewed yet: its photo is nobody's but the reporter's and the grid staff's.
    "grid_report_photo": (
        roles.GRID_ADMIN,
        {"anonymous": 404, "other_worker": 404, "staff_without_permission": 404},
    ),
}


def stored_file(surface: str):
    """(url, owner, the row's FieldFile) of one private file of this surface, stored in the bucket."""
    if surface == "academy_certificate":
        enrolment = EnrolmentFactory(worker=worker())
        return (
            reverse("academy:certificate_file", args=[enrolment.pk]),
            enrolment.worker,
            enrolment.certificate,
        )
    if surface == "subsidy_document":
        application = SubsidyApplicationFactory()
        url = reverse("subsidies:document_file", args=[application.pk, "employment_proof"])
        return url, application.applicant, application.employment_proof
    if surface == "service_request_photo":
        request = ServiceRequestFactory()
        photo = ServiceRequestPhoto.objects.create(
            request=request, image=SimpleUploadedFile("x.jpg", clean_photo().content.read())
        )
        return reverse("services:request_photo", args=[request.pk, photo.pk]), request.worker, photo.image
    member = GridMemberFactory().user
    report, _ = governance_actions.report_submit(
        reporter=member,
        category=category("road"),
        photos=[clean_photo()],
        lat=Decimal("30.2831"),
        lng=Decimal("120.0951"),
        description="井盖松动",
    )
    photo = report.photos.get()
    return reverse("governance:photo", args=[photo.pk, "full"]), member, photo.image


def bucket_contents(server, bucket: str) -> dict[str, str]:
    listing = server.client().list_objects_v2(Bucket=bucket)
    return {item["Key"]: item["ETag"] for item in listing.get("Contents", [])}


def object_bytes(server, bucket: str, key: str) -> bytes:
    return server.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def files_on_disk(settings) -> list:
    return sorted(path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file())


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def client_for(role: str, client, owner, handling_group: str):
    if role == "owner":
        client.force_login(owner)
    elif role == "other_worker":
        client.force_login(UserFactory())
    elif role == "staff_without_permission":
        client.force_login(StaffFactory())
    elif role == "handling_staff":
        client.force_login(staff_in(handling_group))
    return client


# --- The storage itself --------------------------------------------------------------------------


def test_the_default_storage_is_the_private_bucket(object_storage, s3_server):
    storage = storages["default"]
    assert isinstance(storage, PrivateS3Storage)
    assert (storage.bucket_name, storage.endpoint_url, storage.default_acl) == (
        object_storage,
        s3_server.endpoint_url,
        "private",
    )
    assert (storage.querystring_auth, storage.querystring_expire, storage.file_overwrite) == (
        True,
        300,
        False,
    )


def test_a_stored_file_is_a_private_object_in_the_bucket_and_nothing_is_on_disk(
    object_storage, s3_server, settings
):
    _url, _owner, file = stored_file("academy_certificate")
    assert bucket_contents(s3_server, object_storage).keys() == {file.name}
    assert object_bytes(s3_server, object_storage, file.name) == b"\xff\xd8\xffdemo"
    grants = s3_server.client().get_object_acl(Bucket=object_storage, Key=file.name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner's only: no public read
    assert [grant["Grantee"]["Type"] for grant in grants] == ["CanonicalUser"]
    head = s3_server.client().head_object(Bucket=object_storage, Key=file.name)
    assert (head["ContentType"], head["CacheControl"]) == ("image/jpeg", "private, no-store")
    assert files_on_disk(settings) == []


def test_an_unsigned_request_to_the_bucket_is_refused(object_storage, s3_server):
    _url, _owner, file = stored_file("academy_certificate")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_server.endpoint_url}/{object_storage}/{file.name}")  # noqa: S310
    assert refused.value.code == 403


def test_two_uploads_under_one_name_are_two_objects_never_an_overwrite(object_storage, s3_server):
    first = default_storage.save("academy/certificates/1/1-20261203.jpg", ContentFile(b"first"))
    second = default_storage.save("academy/certificates/1/1-20261203.jpg", ContentFile(b"second"))
    assert first == "academy/certificates/1/1-20261203.jpg"
    assert second != first and second.startswith("academy/certificates/1/1-20261203_")
    assert object_bytes(s3_server, object_storage, first) == b"first"
    assert object_bytes(s3_server, object_storage, second) == b"second"


@pytest.mark.parametrize(
    "options, message",
    [
        ({"querystring_auth": False}, "Private uploads need signed URLs: querystring_auth on and no custom_domain."),
        ({"custom_domain": "files.example.com"}, "Private uploads need signed URLs: querystring_auth on and no custom_domain."),
        ({"default_acl": "public-read"}, "Private uploads must not be stored with a public ACL."),
    ],
)  # fmt: skip
def test_settings_that_would_make_a_public_url_are_refused(s3_server, options, message):
    from django.core.exceptions import ImproperlyConfigured

    entry = s3_server.storage_entry("any-bucket")
    with pytest.raises(ImproperlyConfigured) as refused:
        PrivateS3Storage(**{**entry["OPTIONS"], **options})
    assert str(refused.value) == message


# --- Uploads through the pages land in the bucket ------------------------------------------------


def test_a_certificate_uploaded_on_the_apply_page_goes_to_the_bucket_and_back(
    client, object_storage, s3_server, settings
):
    courier = worker()
    client.force_login(courier)
    client.post(reverse("academy:apply"), {"offering": OfferingFactory().pk})
    enrolment = Enrolment.objects.get(worker=courier)
    upload = SimpleUploadedFile("diploma.pdf", MINIMAL_PDF, content_type="application/pdf")
    response = client.post(reverse("academy:certificate", args=[enrolment.pk]), {"certificate": upload})
    assert response["Location"] == reverse("academy:review", args=[enrolment.pk])
    enrolment.refresh_from_db()
    assert bucket_contents(s3_server, object_storage).keys() == {enrolment.certificate.name}
    assert object_bytes(s3_server, object_storage, enrolment.certificate.name) == MINIMAL_PDF
    assert files_on_disk(settings) == []

    served = client.get(reverse("academy:certificate_file", args=[enrolment.pk]))
    assert (served.status_code, served["Content-Type"], body_of(served)) == (
        200,
        "application/pdf",
        MINIMAL_PDF,
    )


def test_a_replaced_certificate_leaves_only_the_new_object_in_the_bucket(
    client, object_storage, s3_server, django_capture_on_commit_callbacks
):
    courier = worker()
    client.force_login(courier)
    enrolment = EnrolmentFactory(worker=courier, status="draft", draft_step=2)
    old = enrolment.certificate.name
    upload = SimpleUploadedFile("diploma.pdf", MINIMAL_PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("academy:certificate", args=[enrolment.pk]), {"certificate": upload})
    enrolment.refresh_from_db()
    assert enrolment.certificate.name != old
    assert bucket_contents(s3_server, object_storage).keys() == {enrolment.certificate.name}


def test_a_grid_report_filed_with_a_photo_stores_photo_and_thumbnail_in_the_bucket(
    client, object_storage, s3_server, settings
):
    member = GridMemberFactory().user
    client.force_login(member)
    response = client.post(
        reverse("governance:report_new"),
        {
            "category": str(category("road").pk),
            "photos": [photo_upload()],
            "lat": "30.2831",
            "lng": "120.0951",
            "street": "",
            "address": "龙湖天街东门",
            "description": "井盖缺失",
            "client_uuid": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    photo = ReportPhoto.objects.get(report__reporter=member)
    assert bucket_contents(s3_server, object_storage).keys() == {photo.image.name, photo.thumbnail.name}
    assert files_on_disk(settings) == []
    thumb = client.get(reverse("governance:photo", args=[photo.pk, "thumb"]))
    assert thumb.status_code == 200
    assert body_of(thumb) == object_bytes(s3_server, object_storage, photo.thumbnail.name)


# --- Every role, both ways of sending ------------------------------------------------------------


@pytest.mark.parametrize("delivery", ["stream", "signed-url"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("surface", SURFACES)
def test_who_gets_a_private_file_from_the_bucket(
    client, object_storage, s3_server, settings, surface, role, delivery
):
    settings.PRIVATE_MEDIA_DELIVERY = delivery
    url, owner, file = stored_file(surface)
    handling_group, denied = SURFACES[surface]
    stored = object_bytes(s3_server, object_storage, file.name)
    before = (bucket_contents(s3_server, object_storage), type(file.instance)._default_manager.count())

    response = client_for(role, client, owner, handling_group).get(url)

    after = (bucket_contents(s3_server, object_storage), type(file.instance)._default_manager.count())
    assert after == before  # reading changes nothing, for anyone
    if role in denied:
        assert response.status_code == denied[role]
        if response.status_code == 302:
            assert response["Location"] == redirect_to_login(url)["Location"]
        else:
            assert stored not in body_of(response)
        return
    if delivery == "stream":
        assert response.status_code == 200
        assert body_of(response) == stored
        assert response["Content-Length"] == str(len(stored))
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Security-Policy"] == SANDBOX
        assert (response["Cache-Control"], response["X-Content-Type-Options"]) == (
            "private, no-store",
            "nosniff",
        )
        return
    # A redirect to the object itself, signed for five minutes, with the headers the bucket adds.
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        f"{s3_server.endpoint_url}/{object_storage}/{file.name}"
    )
    query = parse_qs(location.query)
    assert (query["X-Amz-Expires"], query["X-Amz-Algorithm"]) == (["300"], ["AWS4-HMAC-SHA256"])
    assert query["response-cache-control"] == ["private, no-store"]
    with urllib.request.urlopen(response["Location"]) as fetched:  # noqa: S310 (the local server)
        assert fetched.read() == stored
        assert fetched.headers["Content-Type"] == "image/jpeg"
        assert fetched.headers["Cache-Control"] == "private, no-store"
        assert fetched.headers["Content-Disposition"] == "inline"


def test_a_row_whose_object_is_gone_answers_404_not_500(client, object_storage, s3_server):
    url, owner, file = stored_file("academy_certificate")
    s3_server.client().delete_object(Bucket=object_storage, Key=file.name)
    client.force_login(owner)
    assert client.get(url).status_code == 404


def test_signed_urls_put_the_bucket_in_the_pages_image_policy(s3_server):
    from config.settings import bucket_origin

    assert bucket_origin("https://oss-cn-hangzhou.aliyuncs.com", "xiaoge", "virtual") == (
        "https://xiaoge.oss-cn-hangzhou.aliyuncs.com"
    )
    assert bucket_origin("http://10.0.0.5:9000", "xiaoge", "path") == "http://10.0.0.5:9000"
    assert bucket_origin(None, "xiaoge", "virtual") is None


# --- Moving the files on disk into the bucket ---------------------------------------------------


@pytest.fixture
def files_on_disk_before_the_move(settings, tmp_path):
    """Four files that rows point at, stored on disk (before PRIVATE_STORAGE=s3), one whose file is lost."""
    disk = tmp_path / "old-private"
    settings.MEDIA_ROOT = disk
    enrolments = [EnrolmentFactory(worker=worker()) for _ in range(2)]
    application = SubsidyApplicationFactory()
    lost = EnrolmentFactory(worker=worker())
    FileSystemStorage(location=disk).delete(lost.certificate.name)
    # The application's own enrolment has a certificate too.
    names = sorted(
        [
            *(e.certificate.name for e in enrolments),
            application.enrolment.certificate.name,
            application.employment_proof.name,
        ]
    )
    return disk, names, lost.certificate.name


def run_move(*args) -> str:
    out = io.StringIO()
    call_command("move_files_to_storage", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_moving_copies_every_file_verified_and_a_second_run_copies_nothing(
    files_on_disk_before_the_move, s3_server, settings
):
    disk, names, lost = files_on_disk_before_the_move
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_entry(bucket)}
    settings.MEDIA_ROOT = disk

    dry = run_move("--dry-run")
    assert dry == (
        f"missing on disk: {lost}\nwould copy: 4, already there: 0, missing on disk: 1, not verified: 0\n"
    )
    assert bucket_contents(s3_server, bucket) == {}

    assert (
        run_move()
        == f"missing on disk: {lost}\ncopied: 4, already there: 0, missing on disk: 1, not verified: 0\n"
    )
    assert sorted(bucket_contents(s3_server, bucket)) == names
    for name in names:
        assert object_bytes(s3_server, bucket, name) == (disk / name).read_bytes()
    assert sorted(str(p.relative_to(disk)) for p in disk.rglob("*") if p.is_file()) == names  # disk kept

    before = bucket_contents(s3_server, bucket)
    again = run_move()
    assert (
        again
        == f"missing on disk: {lost}\ncopied: 0, already there: 4, missing on disk: 1, not verified: 0\n"
    )
    assert bucket_contents(s3_server, bucket) == before


def test_a_different_object_under_the_same_name_is_reported_not_overwritten(
    files_on_disk_before_the_move, s3_server, settings
):
    disk, names, _lost = files_on_disk_before_the_move
    bucket = s3_server.new_bucket()
    s3_server.client().put_object(Bucket=bucket, Key=names[0], Body=b"something else")
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_entry(bucket)}
    settings.MEDIA_ROOT = disk
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("move_files_to_storage", stdout=io.StringIO(), stderr=err)
    assert str(failed.value) == "1 file(s) could not be verified in the target storage (listed above)."
    assert err.getvalue() == f"not verified: {names[0]}\n"
    assert object_bytes(s3_server, bucket, names[0]) == b"something else"
    assert sorted(bucket_contents(s3_server, bucket)) == names  # the other three were copied


def test_moving_with_the_filesystem_configured_is_refused(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(CommandError) as refused:
        run_move()
    assert str(refused.value) == (
        "The configured storage is the filesystem itself, so there is nothing to move: set "
        "PRIVATE_STORAGE=s3 and the bucket's settings first."
    )


def test_moving_from_a_folder_that_does_not_exist_is_refused(object_storage, tmp_path):
    with pytest.raises(CommandError) as refused:
        run_move("--source", str(tmp_path / "nowhere"))
    assert str(refused.value) == f"The folder {tmp_path / 'nowhere'} does not exist."


# --- Settings -------------------------------------------------------------------------------------

# Settings are read without django.setup(): loading every app would only make each boot slower.
PRINT_STORAGE = (
    "from django.conf import settings; "
    "from django.core.files.storage import storages; s = storages['default']; "
    "c = s.client_config; print(type(s).__name__, s.bucket_name, s.endpoint_url, c.s3['addressing_style'], "
    "c.signature_version, c.request_checksum_calculation, s.querystring_expire); "
    "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1])"
)


def boot_with(code: str = "import config.settings; print('started')", **env):
    import os
    import subprocess
    import sys

    from django.conf import settings

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PRIVATE_", "DJANGO_SETTINGS"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_filesystem_stays_the_development_default():
    result = boot_with(
        "from django.core.files.storage import storages; print(type(storages['default']).__name__)"
    )
    assert (result.returncode, result.stdout) == (0, "FileSystemStorage\n"), result.stderr


def test_private_storage_s3_configures_the_bucket_from_the_environment():
    result = boot_with(
        PRINT_STORAGE,
        PRIVATE_STORAGE="s3",
        PRIVATE_MEDIA_DELIVERY="signed-url",
        AWS_STORAGE_BUCKET_NAME="xiaoge-private",
        AWS_S3_ENDPOINT_URL="https://oss-cn-hangzhou.aliyuncs.com",
        AWS_S3_REGION_NAME="cn-hangzhou",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "PrivateS3Storage xiaoge-private https://oss-cn-hangzhou.aliyuncs.com virtual s3v4 when_required 300\n"
        "https://xiaoge-private.oss-cn-hangzhou.aliyuncs.com\n"
    )


@pytest.mark.parametrize(
    "env, message",
    [
        ({"PRIVATE_STORAGE": "s4"}, "PRIVATE_STORAGE is either filesystem or s3."),
        ({"PRIVATE_STORAGE": "s3"}, "PRIVATE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME."),
        (
            {"PRIVATE_MEDIA_DELIVERY": "signed-url"},
            "PRIVATE_MEDIA_DELIVERY=signed-url needs PRIVATE_STORAGE=s3.",
        ),
        ({"PRIVATE_MEDIA_DELIVERY": "email"}, "PRIVATE_MEDIA_DELIVERY is either stream or signed-url."),
        (
            {"PRIVATE_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "b", "PRIVATE_MEDIA_DELIVERY": "signed-url"},
            "PRIVATE_MEDIA_DELIVERY=signed-url needs AWS_S3_ENDPOINT_URL (or PRIVATE_MEDIA_URL_ORIGIN) "
            "for the Content-Security-Policy.",
        ),
        (
            {
                "PRIVATE_STORAGE": "s3",
                "AWS_STORAGE_BUCKET_NAME": "b",
                "PRIVATE_MEDIA_ACCEL_PREFIX": "/internal/",
            },
            "PRIVATE_MEDIA_ACCEL_PREFIX serves files from disk; with PRIVATE_STORAGE=s3 leave it empty "
            "and choose PRIVATE_MEDIA_DELIVERY=stream or signed-url.",
        ),
    ],
)
def test_inconsistent_storage_settings_refuse_to_start(env, message):
    result = boot_with(**env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr
