"""Service requests: asking for help, the permission matrix, transitions, notifications, rating."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image

from accounts import roles
from core.exceptions import PermissionDenied, TransitionNotAllowed
from core.models import AuditEntry
from notifications.models import Message
from services import actions
from services.models import ServiceRequest, ServiceRequestNote, ServiceRequestPhoto
from tests.factories import StaffFactory, UserFactory
from tests.services.factories import ServiceFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db

NEW_URL = reverse("services:request_new")
LIST_URL = reverse("services:requests")
Status = ServiceRequest.Status


def jpeg(name="photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "orange")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def worker(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def service_staff():
    user = StaffFactory(real_name="周服务")
    user.groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
    return user


@pytest.fixture
def other_staff():
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=roles.SERVICE_STAFF))
    return user


def form_data(**overrides) -> dict:
    data = {
        "kind": "legal",
        "description": "站点两个月没发工资了，想咨询怎么讨薪。",
        "contact_time": "evening",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_worker_asks_for_legal_aid_with_photos(client, worker):
    service = ServiceFactory(name="免费法律咨询")
    response = client.post(
        f"{NEW_URL}?service={service.uuid}", {**form_data(), "photos": [jpeg("a.jpg"), jpeg("b.jpg")]}
    )
    created = ServiceRequest.objects.get(worker=worker)
    assert response.status_code == 302
    assert response["Location"] == reverse("services:request_detail", args=[created.pk])
    assert (created.kind, created.status, created.contact_time, created.service) == (
        "legal",
        "new",
        "evening",
        service,
    )
    photos = list(created.photos.all())
    assert len(photos) == 2
    stored = Image.open(photos[0].image.open("rb"))
    assert stored.format == "JPEG" and not stored.getexif()  # re-encoded, EXIF gone
    message = Message.objects.get(recipient=worker, kind="service_request_received")
    assert (message.channel, message.subject) == ("inbox", f"已收到你的诉求 {created.reference}")
    assert message.link == reverse("services:request_detail", args=[created.pk])
    assert AuditEntry.objects.filter(action="service_request.create", target_id=str(created.pk)).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "法律咨询" in page and "已提交" in page and "免费法律咨询" in page
    assert "服务专员会受理你的诉求，一般在两个工作日内。" in page


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"description": ""}, "description", "请用几句话说明发生了什么、需要什么帮助。"),
        ({"description": "欠薪"}, "description", "请至少写10个字，方便服务专员了解情况。"),
        ({"kind": "lottery"}, "kind", "“lottery”不在可选项中，请从列表中选择。"),
        ({"kind": None}, "kind", "该字段是必填项。"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_keeps_the_rest(client, worker, overrides, field, message):
    response = client.post(NEW_URL, form_data(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    page = response.content.decode()
    assert "请修改下面标红的内容，其他已填写的内容都还在。" in page
    if overrides.get("description") is None:
        assert "站点两个月没发工资了" in page
    assert not ServiceRequest.objects.exists()
    assert not Message.objects.exists()


@pytest.mark.parametrize("service", ["abc", "00000000-0000-0000-0000-000000000000", ""])
def test_an_unknown_or_malformed_service_is_ignored(client, worker, service):
    assert client.get(NEW_URL, {"service": service}).status_code == 200
    response = client.post(f"{NEW_URL}?service={service}", form_data())
    assert response.status_code == 302
    assert ServiceRequest.objects.get(worker=worker).service is None


def test_a_file_that_is_not_a_photo_is_refused(client, worker):
    fake = SimpleUploadedFile("contract.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    response = client.post(NEW_URL, {**form_data(), "photos": [fake]})
    assert response.context["form"].errors["photos"] == [
        "无法识别这个文件，请上传 JPEG、PNG 或 WebP 格式的照片。"
    ]
    assert not ServiceRequest.objects.exists()


def test_at_most_three_photos(client, worker):
    response = client.post(NEW_URL, {**form_data(), "photos": [jpeg(f"{i}.jpg") for i in range(4)]})
    assert response.context["form"].errors["photos"] == ["最多可以上传3张照片。"]
    assert not ServiceRequest.objects.exists() and not ServiceRequestPhoto.objects.exists()


def test_anonymous_is_sent_to_log_in(client):
    for url in (NEW_URL, LIST_URL, reverse("services:request_detail", args=[1])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_request_login_code"))
    assert client.post(NEW_URL, form_data()).status_code == 302
    assert not ServiceRequest.objects.exists()


@pytest.fixture
def own_and_foreign(worker):
    own = ServiceRequestFactory(worker=worker, description="我的诉求：工资被扣")
    foreign = ServiceRequestFactory(description="别人的诉求：押金不退")
    ServiceRequestPhoto.objects.create(request=foreign, image=SimpleUploadedFile("x.jpg", jpeg().read()))
    return own, foreign


def test_my_requests_lists_only_my_own(client, own_and_foreign, django_assert_num_queries):
    own, _foreign = own_and_foreign
    ServiceRequestFactory.create_batch(3, worker=own.worker)
    # Session, user, the count and the page (with the service joined), inbox count.
    with django_assert_num_queries(5):
        response = client.get(LIST_URL)
    page = response.content.decode()
    assert "我的诉求：工资被扣" in page
    assert "别人的诉求" not in page
    assert len(response.context["page"].object_list) == 4


@pytest.mark.parametrize(
    "viewer, status",
    [("owner", 200), ("other_worker", 404), ("service_staff", 404)],
)
def test_request_detail_permission_matrix(client, own_and_foreign, service_staff, viewer, status):
    own, _ = own_and_foreign
    if viewer == "other_worker":
        client.force_login(UserFactory())
    elif viewer == "service_staff":
        client.force_login(service_staff)  # staff work in admin; the worker page is the worker's alone
    assert client.get(reverse("services:request_detail", args=[own.pk])).status_code == status


def test_another_workers_request_and_photo_answer_404_like_a_missing_one(client, own_and_foreign):
    _own, foreign = own_and_foreign
    photo = foreign.photos.get()
    assert client.get(reverse("services:request_detail", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("services:request_detail", args=[999999])).status_code == 404
    assert client.get(reverse("services:request_photo", args=[foreign.pk, photo.pk])).status_code == 404
    foreign.status, foreign.resolved_at = Status.RESOLVED, foreign.created_at
    foreign.assignee = StaffFactory()
    foreign.save()
    response = client.post(reverse("services:request_rate", args=[foreign.pk]), {"rating": "1"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.rating is None


def test_photo_is_served_privately_to_its_worker_and_to_service_staff(client, own_and_foreign, service_staff):
    _own, foreign = own_and_foreign
    photo = foreign.photos.get()
    url = reverse("services:request_photo", args=[foreign.pk, photo.pk])
    client.force_login(foreign.worker)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(service_staff)
    assert client.get(url).status_code == 200
    client.force_login(StaffFactory())  # staff without the services permission
    assert client.get(url).status_code == 404


# --- transitions ------------------------------------------------------------------------


def test_the_whole_life_of_a_request_with_notifications(service_staff):
    request = ServiceRequestFactory()
    worker = request.worker
    actions.service_request_assign(request_id=request.pk, acting_user=service_staff)
    actions.service_request_start(request_id=request.pk, acting_user=service_staff)
    actions.service_request_add_note(request_id=request.pk, acting_user=service_staff, text="已联系律师")
    actions.service_request_resolve(
        request_id=request.pk, acting_user=service_staff, reply="律师已电话答复，建议申请劳动仲裁。"
    )
    actions.service_request_rate(request_id=request.pk, worker=worker, rating=5, comment="很及时")
    actions.service_request_close(request_id=request.pk, acting_user=service_staff)
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    assert request.assignee == service_staff
    assert request.assigned_at <= request.started_at <= request.resolved_at <= request.closed_at
    assert (request.rating, request.rating_comment) == (5, "很及时")
    assert request.reply == "律师已电话答复，建议申请劳动仲裁。"
    kinds = list(Message.objects.filter(recipient=worker).order_by("id").values_list("kind", "channel"))
    assert kinds == [
        ("service_request_assigned", "inbox"),
        ("service_request_in_progress", "inbox"),
        ("service_request_resolved", "inbox"),
        ("service_request_resolved", "sms"),
        ("service_request_closed", "inbox"),
    ]
    assert list(
        AuditEntry.objects.filter(target_id=str(request.pk), target_type="services.servicerequest")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "service_request.assign",
        "service_request.start",
        "service_request.note",
        "service_request.resolve",
        "service_request.rate",
        "service_request.close",
    ]
    assert ServiceRequestNote.objects.get(request=request).text == "已联系律师"


@pytest.mark.parametrize(
    "status, action, message",
    [
        (Status.NEW, "start", "这条诉求当前为“已提交”，不能进行这一步。"),
        # (A new request may be resolved at once: issue 19, tests/services/test_admin.py.)
        (Status.CLOSED, "resolve", "这条诉求当前为“已关闭”，不能进行这一步。"),
        (Status.RESOLVED, "assign", "这条诉求当前为“已办结”，不能进行这一步。"),
        (Status.RESOLVED, "start", "这条诉求当前为“已办结”，不能进行这一步。"),
        (Status.CLOSED, "close", "这条诉求当前为“已关闭”，不能进行这一步。"),
        (Status.IN_PROGRESS, "start", "这条诉求当前为“办理中”，不能进行这一步。"),
    ],
)
def test_transitions_out_of_order_are_refused_and_change_nothing(service_staff, status, action, message):
    request = ServiceRequestFactory(status=status, assignee=None if status == Status.NEW else service_staff)
    before = ServiceRequest.objects.values().get(pk=request.pk)
    call = {
        "assign": lambda: actions.service_request_assign(request_id=request.pk, acting_user=service_staff),
        "start": lambda: actions.service_request_start(request_id=request.pk, acting_user=service_staff),
        "resolve": lambda: actions.service_request_resolve(
            request_id=request.pk, acting_user=service_staff, reply="好"
        ),
        "close": lambda: actions.service_request_close(
            request_id=request.pk, acting_user=service_staff, reply="重复"
        ),
    }[action]
    with pytest.raises(TransitionNotAllowed) as error:
        call()
    assert error.value.message == message
    assert ServiceRequest.objects.values().get(pk=request.pk) == before
    assert not Message.objects.exists()


def test_only_service_staff_handle_requests():
    request = ServiceRequestFactory()
    for user in (UserFactory(), StaffFactory(), request.worker):
        with pytest.raises(PermissionDenied) as error:
            actions.service_request_assign(request_id=request.pk, acting_user=user)
        assert error.value.message == "只有服务专员可以处理服务诉求。"
    request.refresh_from_db()
    assert (request.status, request.assignee) == (Status.NEW, None)


def test_only_the_assignee_resolves_and_a_colleague_can_take_over(service_staff, other_staff):
    request = ServiceRequestFactory()
    actions.service_request_assign(request_id=request.pk, acting_user=service_staff)
    with pytest.raises(PermissionDenied) as error:
        actions.service_request_resolve(request_id=request.pk, acting_user=other_staff, reply="好")
    assert error.value.message == "请先把这条诉求认领到自己名下。"
    actions.service_request_assign(request_id=request.pk, acting_user=other_staff)
    actions.service_request_resolve(request_id=request.pk, acting_user=other_staff, reply="已处理")
    request.refresh_from_db()
    assert (request.status, request.assignee) == (Status.RESOLVED, other_staff)
    # Taking over tells the worker nothing new: one "taken on" message only.
    assert Message.objects.filter(kind="service_request_assigned").count() == 1


def test_resolve_needs_a_reply_and_an_open_request_closes_only_with_one(service_staff):
    request = ServiceRequestFactory()
    with pytest.raises(TransitionNotAllowed) as error:
        actions.service_request_close(request_id=request.pk, acting_user=service_staff, reply="  ")
    assert error.value.message == "请填写给小哥的答复。"
    actions.service_request_assign(request_id=request.pk, acting_user=service_staff)
    with pytest.raises(TransitionNotAllowed):
        actions.service_request_resolve(request_id=request.pk, acting_user=service_staff, reply="")
    actions.service_request_close(
        request_id=request.pk, acting_user=service_staff, reply="与FW000001重复，已合并办理。"
    )
    request.refresh_from_db()
    assert (request.status, request.resolved_at, request.reply) == (
        Status.CLOSED,
        None,
        "与FW000001重复，已合并办理。",
    )
    closed = Message.objects.filter(kind="service_request_closed")
    assert sorted(closed.values_list("channel", flat=True)) == ["inbox", "sms"]
    assert closed.first().body == "与FW000001重复，已合并办理。"


def test_rating_rules(client, worker, service_staff):
    request = ServiceRequestFactory(worker=worker)
    url = reverse("services:request_rate", args=[request.pk])
    response = client.post(url, {"rating": "5"})
    assert response.status_code == 400
    assert "诉求解决后才能评价。" in response.content.decode()
    assert "提交评价" not in response.content.decode()  # no rating form before resolution
    with pytest.raises(TransitionNotAllowed) as error:
        actions.service_request_rate(request_id=request.pk, worker=worker, rating=5)
    assert error.value.message == "诉求解决后才能评价。"
    actions.service_request_assign(request_id=request.pk, acting_user=service_staff)
    actions.service_request_resolve(
        request_id=request.pk, acting_user=service_staff, reply="已帮你联系站点补发工资。"
    )
    detail = client.get(reverse("services:request_detail", args=[request.pk])).content.decode()
    assert "已帮你联系站点补发工资。" in detail and "评价这次帮助" in detail
    for bad in ({"rating": "0"}, {"rating": "6"}, {"rating": "abc"}, {}):
        response = client.post(url, bad)
        assert response.status_code == 400
        assert response.context["rating_form"].errors["rating"] == ["请选择1到5颗星。"]
    response = client.post(url, {"rating": "4", "comment": "态度很好"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.rating, request.rating_comment) == (4, "态度很好")
    response = client.post(url, {"rating": "1"})
    assert response.status_code == 400
    assert "你已经评价过这次服务。" in response.content.decode()
    request.refresh_from_db()
    assert request.rating == 4


def test_the_timeline_shows_roles_never_staff_names(client, worker, service_staff):
    request = ServiceRequestFactory(worker=worker)
    actions.service_request_assign(request_id=request.pk, acting_user=service_staff)
    page = client.get(reverse("services:request_detail", args=[request.pk])).content.decode()
    assert "服务专员受理" in page and "服务专员" in page
    assert "周服务" not in page
    assert "服务专员会在你方便的时间联系你。" in page


def test_the_database_refuses_a_rating_out_of_range_or_before_resolution():
    from django.db import IntegrityError, transaction

    request = ServiceRequestFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.filter(pk=request.pk).update(rating=3)  # not resolved
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRequest.objects.filter(pk=request.pk).update(status=Status.ASSIGNED)  # no assignee


@pytest.mark.django_db(transaction=True)
def test_two_staff_taking_the_same_request_at_once_leave_one_assignee():
    Group.objects.get_or_create(name=roles.SERVICE_STAFF)
    from django.contrib.auth.models import Permission

    group = Group.objects.get(name=roles.SERVICE_STAFF)
    group.permissions.add(
        *Permission.objects.filter(codename__in=["change_servicerequest", "view_servicerequest"])
    )
    staff = [StaffFactory() for _ in range(4)]
    for user in staff:
        user.groups.add(group)
    request = ServiceRequestFactory()

    def take(user):
        try:
            actions.service_request_assign(
                request_id=request.pk, acting_user=type(user).objects.get(pk=user.pk)
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(take, staff))
    request.refresh_from_db()
    assert request.status == Status.ASSIGNED
    # Each take is serialised by the row lock; the worker hears "taken on" exactly once.
    assert Message.objects.filter(kind="service_request_assigned").count() == 1
    assert request.assignee in staff


def test_staff_reading_english_still_write_to_the_worker_in_chinese(service_staff):
    from django.utils import translation

    request = ServiceRequestFactory()
    with translation.override("en"):
        actions.service_request_assign(request_id=request.pk, acting_user=service_staff)
    message = Message.objects.get(recipient=request.worker, kind="service_request_assigned")
    assert message.subject == f"你的诉求 {request.reference} 已受理"


def test_the_one_bit_6000_by_6000_png_of_issue_14_is_refused_with_a_clear_message(client, worker):
    buffer = io.BytesIO()
    Image.new("1", (6000, 6000)).save(buffer, format="PNG")
    attack = [SimpleUploadedFile(f"{i}.png", buffer.getvalue(), content_type="image/png") for i in range(3)]
    response = client.post(NEW_URL, {**form_data(), "photos": attack})
    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == [
        "这张图片的像素超过了手机照片，请上传手机拍摄的照片，或先把图片缩小再上传。"
    ]
    assert not ServiceRequest.objects.exists()


# --- Issue 19, item 8: a refused form says honestly that the photos must be added again -------

KEPT = "请修改下面标红的内容，其他已填写的内容都还在。"


def test_a_refused_request_with_photos_says_they_must_be_added_again(client, worker):
    response = client.post(NEW_URL, {**form_data(description=""), "photos": [jpeg("a.jpg"), jpeg("b.jpg")]})
    page = response.content.decode()
    assert "请修改下面标红的内容。你填写的文字都已保留，但选好的 2 张照片没有保留，请重新添加。" in page
    assert KEPT not in page
    assert not ServiceRequest.objects.exists()


def test_a_refused_request_without_photos_says_everything_is_kept(client, worker):
    response = client.post(NEW_URL, form_data(description=""))
    page = response.content.decode()
    assert KEPT in page
    assert "照片没有保留" not in page
