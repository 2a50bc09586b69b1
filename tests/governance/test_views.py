import io
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from PIL import Image

from core.uploads import MAX_UPLOAD_BYTES
from governance import actions
from governance.models import Report, ReportFollow, ReportPhoto
from points.actions import points_add
from tests.governance.factories import category, clean_photo, image_bytes, jpeg_with_gps, photo_upload

pytestmark = pytest.mark.django_db

NEW = reverse("governance:report_new")
NOT_MEMBER = "只有已任命的网格员才能随手报。"
NO_PHOTO = "请拍摄或选择至少一张问题照片。"
NOT_IMAGE = "无法识别这个文件，请上传 JPEG、PNG 或 WebP 格式的照片。"
BROKEN = "照片已损坏，无法打开，请重新拍摄或选择。"
PIXELS = "这张图片的像素超过了手机照片，请上传手机拍摄的照片，或先把图片缩小再上传。"
POLYGLOT = "这个文件除了图片还夹带了其他内容，已被拒绝。请上传普通照片。"
TOO_LARGE = "文件超过10MB，请选择小一些的照片或文件。"


def form(**overrides):
    data = {
        "category": str(category("road").pk),
        "photos": [photo_upload()],
        "lat": "30.2831",
        "lng": "120.0951",
        "street": "",
        "address": "龙湖天街东门",
        "description": "井盖缺失",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def test_index_for_a_member_shows_the_report_button(member_client):
    page = member_client.get(reverse("governance:index")).content.decode()
    assert "你是以下网格的网格员：" in page
    assert f'href="{NEW}"' in page


def test_index_for_others_explains_how_to_become_a_member(client, outsider):
    client.force_login(outsider)
    page = client.get(reverse("governance:index")).content.decode()
    assert "如何成为网格员" in page
    assert f'href="{NEW}"' not in page


def test_the_form_shows_big_category_buttons_and_the_camera(member_client):
    page = member_client.get(NEW).content.decode()
    assert 'capture="environment"' in page
    assert 'accept="image/jpeg,image/png,image/webp"' in page
    assert '<span class="cat-icon" aria-hidden="true">🚧</span> 道路交通隐患</label>' in page
    assert 'name="client_uuid"' in page


@pytest.mark.parametrize("method", ["get", "post"])
def test_non_members_cannot_file(client, outsider, method):
    client.force_login(outsider)
    response = getattr(client, method)(NEW, form() if method == "post" else None)
    assert response.status_code == 403
    assert NOT_MEMBER in response.content.decode()
    assert Report.objects.count() == 0


def test_anonymous_is_sent_to_log_in(client):
    response = client.post(NEW, form())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_request_login_code"))
    assert Report.objects.count() == 0


def test_plain_multipart_post_files_a_report(member_client, member, grid):
    response = member_client.post(
        NEW, form(photos=[photo_upload(), photo_upload(image_bytes("PNG"), "b.png")])
    )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("governance:report_detail", args=[report.pk])
    assert (report.reporter, report.grid, report.lat, report.lng) == (
        member,
        grid,
        Decimal("30.283100"),
        Decimal("120.095100"),
    )
    assert (report.address, report.description, report.department) == (
        "龙湖天街东门",
        "井盖缺失",
        "区城管局（市政设施）",
    )
    assert report.photos.count() == 2


def test_json_post_answers_201_then_200_for_the_retry(member_client):
    data = form()
    first = member_client.post(NEW, data, headers={"accept": "application/json"})
    report = Report.objects.get()
    url = reverse("governance:report_detail", args=[report.pk])
    assert (first.status_code, first.json()) == (201, {"id": report.pk, "url": url})
    data["photos"] = [photo_upload()]
    again = member_client.post(NEW, data, headers={"accept": "application/json"})
    assert (again.status_code, again.json()) == (200, {"id": report.pk, "url": url})
    assert Report.objects.count() == 1


def test_json_errors_name_the_fields(member_client):
    response = member_client.post(NEW, form(category="", photos=[]), headers={"accept": "application/json"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["category"][0]["message"] == "请选择问题类别。"
    assert errors["photos"][0]["message"] == NO_PHOTO


def test_missing_location_keeps_what_was_typed(member_client):
    response = member_client.post(NEW, form(lat="", lng="", street=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert "请告诉我们问题在哪里：使用你的位置，或选择街道。" in page
    assert "龙湖天街东门" in page
    assert "井盖缺失" in page
    assert Report.objects.count() == 0


def test_nonsense_coordinates_ask_for_the_street(member_client):
    response = member_client.post(NEW, form(lat="abc", lng="999"))
    assert response.status_code == 400
    assert "无法读取位置。请重新获取位置，或选择街道。" in response.content.decode()


def test_four_photos_are_refused(member_client):
    response = member_client.post(NEW, form(photos=[photo_upload() for _ in range(4)]))
    assert response.status_code == 400
    assert "最多添加三张照片。" in response.content.decode()


def bomb() -> bytes:
    return image_bytes("PNG", size=(20000, 20000), mode="1")


def truncated() -> bytes:
    data = image_bytes("JPEG", size=(400, 400))
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "data, name, content_type, message",
    [
        (truncated(), "photo.jpg", "image/jpeg", BROKEN),
        (b"GIF89a not really", "photo.jpg", "image/jpeg", NOT_IMAGE),
        (b"<html><script>alert(1)</script>", "photo.png", "image/png", NOT_IMAGE),
        (b"%PDF-1.4 a document", "photo.jpg", "image/jpeg", NOT_IMAGE),
        (b"", "photo.jpg", "image/jpeg", "文件是空的，请重新选择。"),
        (bomb(), "bomb.png", "image/png", PIXELS),
        (image_bytes("JPEG") + b"PK\x03\x04" + b"\x00" * 40, "photo.jpg", "image/jpeg", POLYGLOT),
        (b"\xff\xd8\xff" + b"0" * MAX_UPLOAD_BYTES, "huge.jpg", "image/jpeg", TOO_LARGE),
        (image_bytes("GIF"), "photo.gif", "image/gif", NOT_IMAGE),
    ],
    ids=[
        "truncated",
        "gif-named-jpg",
        "html-named-png",
        "pdf",
        "empty",
        "bomb",
        "polyglot",
        "too-large",
        "gif",
    ],
)
def test_upload_fuzzing_gives_a_clear_4xx_and_stores_nothing(
    member_client, data, name, content_type, message
):
    response = member_client.post(NEW, form(photos=[photo_upload(data, name, content_type)]))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0


def test_a_bad_second_photo_is_named(member_client):
    response = member_client.post(NEW, form(photos=[photo_upload(), photo_upload(truncated())]))
    assert response.status_code == 400
    assert f"第2张照片：{BROKEN}" in response.content.decode()


@pytest.mark.parametrize(
    "fmt, name, content_type", [("PNG", "x.txt", "text/plain"), ("WEBP", "photo.jpg", "image/jpeg")]
)
def test_images_are_accepted_by_content_not_name(member_client, fmt, name, content_type):
    response = member_client.post(NEW, form(photos=[photo_upload(image_bytes(fmt), name, content_type)]))
    assert response.status_code == 302
    stored = Report.objects.get().photos.get()
    assert Image.open(stored.image.open("rb")).format == "JPEG"


def test_a_jpeg_with_gps_exif_is_stored_without_it(member_client):
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825) is not None
    member_client.post(NEW, form(photos=[photo_upload(data)]))
    stored = Report.objects.get().photos.get()
    with stored.image.open("rb") as file:
        raw = file.read()
    assert dict(Image.open(io.BytesIO(raw)).getexif()) == {}
    assert b"Exif" not in raw
    with stored.thumbnail.open("rb") as file:
        assert dict(Image.open(file).getexif()) == {}


def test_huge_dimensions_within_the_byte_limit_are_refused_quickly(member_client):
    data = image_bytes("PNG", size=(10000, 10000), mode="1")
    response = member_client.post(NEW, form(photos=[photo_upload(data, "big.png", "image/png")]))
    assert response.status_code == 400
    assert PIXELS in response.content.decode()


def file_report(member, **overrides):
    fields = {"lat": Decimal("30.2831"), "lng": Decimal("120.0951"), "photos": [clean_photo()]}
    fields.update(overrides)
    report, _created = actions.report_submit(reporter=member, category=category(), **fields)
    return report


def test_my_reports_lists_only_mine(member_client, member, outsider, grid):
    mine = file_report(member, description="我的")
    page = member_client.get(reverse("governance:report_list")).content.decode()
    assert f"#{mine.pk}" in page
    assert "已提交" in page


def test_another_workers_report_answers_404(client, member, grid):
    from tests.governance.factories import GridMemberFactory

    report = file_report(member)
    other = GridMemberFactory(grid=grid).user
    client.force_login(other)
    assert client.get(reverse("governance:report_detail", args=[report.pk])).status_code == 404
    assert client.get(reverse("governance:report_detail", args=[999999])).status_code == 404
    photo = report.photos.get()
    assert client.get(reverse("governance:photo", args=[photo.pk, "full"])).status_code == 404
    response = client.post(reverse("governance:report_reopen", args=[report.pk]))
    assert response.status_code == 404


def test_detail_shows_the_timeline_with_the_notes(member_client, member, grid_admin):
    report = file_report(member)
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    actions.report_reject(report_id=report.pk, acting_user=grid_admin, reason="不在本区范围。")
    page = member_client.get(reverse("governance:report_detail", args=[report.pk])).content.decode()
    assert "不在本区范围。" in page
    assert "网格管理员" in page
    assert grid_admin.real_name not in page
    photo = report.photos.get()
    response = member_client.get(reverse("governance:photo", args=[photo.pk, "thumb"]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_reporter_reopens_a_resolved_report(member_client, member, grid_admin):
    report = file_report(member)
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    actions.report_resolve(report_id=report.pk, acting_user=grid_admin, note="已修好。")
    page = member_client.get(reverse("governance:report_detail", args=[report.pk])).content.decode()
    assert "问题又出现了：重新打开" in page
    response = member_client.post(reverse("governance:report_reopen", args=[report.pk]), {"note": "又坏了"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.updates.last().note == "又坏了"


def test_nearby_finds_open_reports_of_the_same_category_within_fifty_metres(member_client, member, grid):
    near = file_report(member, lat=Decimal("30.283400"), lng=Decimal("120.095100"))  # about 33 m
    file_report(member, lat=Decimal("30.283700"), lng=Decimal("120.095100"))  # about 67 m
    actions.report_submit(
        reporter=member, category=category("sanitation"), lat=Decimal("30.2831"), lng=Decimal("120.0951"),
        photos=[clean_photo()],
    )  # fmt: skip
    url = reverse("governance:nearby")
    response = member_client.get(url, {"category": category().pk, "lat": "30.2831", "lng": "120.0951"})
    assert response.json() == {
        "reports": [
            {
                "id": near.pk,
                "distance_m": 33,
                "status": "已提交",
                "address": "",
                "description": "",
                "mine": True,
                "follow_url": reverse("governance:report_follow", args=[near.pk]),
            }
        ]
    }
    assert member_client.get(url, {"category": "x", "lat": "1", "lng": "2"}).status_code == 400


def test_following_instead_of_a_duplicate(client, member, grid):
    from tests.governance.factories import GridMemberFactory

    report = file_report(member)
    other = GridMemberFactory(grid=grid).user
    client.force_login(other)
    response = client.post(
        reverse("governance:report_follow", args=[report.pk]), headers={"accept": "application/json"}
    )
    assert response.json() == {
        "message": f"你已关注随手报 #{report.pk}，办结时会通知你。没有提交新的随手报。"
    }
    assert ReportFollow.objects.filter(report=report, user=other).count() == 1
    assert Report.objects.count() == 1


def test_points_page_shows_the_balance_and_the_ledger(member_client, member, grid_admin):
    report = file_report(member)
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    page = member_client.get(reverse("governance:points")).content.decode()
    assert '<p class="balance-value" id="points-balance">10</p>' in page
    assert f'<a href="/grid/reports/{report.pk}/">随手报被受理</a>' in page
    assert '<p class="balance-links"><a class="button" href="/rewards/">积分兑换</a>' in page


def test_points_lines_lead_to_what_earned_or_spent_them(member_client, member):
    from deliberation.actions import topic_raise
    from tests.stations.factories import StationFactory

    topic = topic_raise(
        station=StationFactory(), raised_by=member, title="地库不让进", description="绕行十分钟"
    )
    points_add(user=member, amount=5, reason="topic_accepted", source=topic)
    points_add(user=member, amount=2, reason="adjustment", note="补录")
    page = member_client.get(reverse("governance:points")).content.decode()
    assert f'<a href="/stations/topics/{topic.pk}/">议题被采纳上会</a>' in page
    assert "<span>工作人员调整<br><small>补录</small></span>" in page


def test_an_empty_ledger_says_how_points_are_earned(member_client):
    page = member_client.get(reverse("governance:points")).content.decode()
    assert "还没有积分。" in page
    assert 'href="/events/"' in page


def test_public_list_shows_public_categories_without_the_reporter(client, member, grid_admin):
    public = file_report(member, description="路面塌陷")
    private, _ = actions.report_submit(
        reporter=member, category=category("people"), lat=Decimal("30.2831"), lng=Decimal("120.0951"),
        photos=[clean_photo()], description="独居老人需要帮助",
    )  # fmt: skip
    unreviewed = file_report(member, description="还没看过")
    for report in (public, private):
        actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    page = client.get(reverse("governance:public")).content.decode()
    assert "路面塌陷" in page
    assert "独居老人需要帮助" not in page
    assert "还没看过" not in page
    assert member.real_name not in page
    assert member.phone_display not in page
    public_photo = public.photos.get()
    assert client.get(reverse("governance:photo", args=[public_photo.pk, "thumb"])).status_code == 200
    for hidden in (private, unreviewed):
        photo = hidden.photos.get()
        assert client.get(reverse("governance:photo", args=[photo.pk, "thumb"])).status_code == 404


@pytest.mark.parametrize("count", [1, 6])
def test_my_reports_queries_do_not_grow(member_client, member, django_assert_num_queries, count):
    for _ in range(count):
        file_report(member)
    # session, user, count, rows with category and grid, photos prefetch, inbox count of the top bar
    with django_assert_num_queries(6):
        member_client.get(reverse("governance:report_list"))


@pytest.mark.parametrize("count", [1, 6])
def test_public_list_queries_do_not_grow(client, member, grid_admin, django_assert_num_queries, count):
    for _ in range(count):
        actions.report_accept(report_id=file_report(member).pk, acting_user=grid_admin)
    # count, rows with category and grid, photos prefetch (anonymous: no session)
    with django_assert_num_queries(3):
        client.get(reverse("governance:public"))


@pytest.mark.parametrize("count", [1, 6])
def test_points_page_queries_do_not_grow(member_client, member, django_assert_num_queries, count):
    for _ in range(count):
        points_add(user=member, amount=3, reason="adjustment", source=file_report(member))
    # session, user, balance and last line, count, entries with their source types, their
    # reports, inbox count; then the ledger comes from the cache (core.fragments)
    with django_assert_num_queries(7):
        member_client.get(reverse("governance:points"))
    with django_assert_num_queries(4):
        member_client.get(reverse("governance:points"))


def test_index_leads_everyone_to_the_stations_events_teams_and_rewards(client, outsider):

    points_add(user=outsider, amount=25, reason="adjustment")
    client.force_login(outsider)
    page = client.get(reverse("governance:index")).content.decode()
    for url, text in [
        ("/stations/", "驿站与议题"),
        ("/events/", "活动：议事会、技能竞赛、分享会"),
        ("/volunteer/", "志愿服务队"),
        ("/rewards/leaderboard/", "月度积分榜"),
    ]:
        assert f'<a href="{url}">{text}</a>' in page
    assert '<a href="/rewards/">积分兑换 <span class="count-pill">25</span></a>' in page
