"""Worker pages: the public station page, raising, supporting, the lead's part, my topics, photos."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.uploads import MAX_UPLOAD_BYTES
from deliberation import actions
from deliberation.models import Support, Topic, TopicPhoto
from notifications.models import Message
from points.models import PointEntry
from tests.deliberation.conftest import hold, schedule
from tests.factories import UserFactory
from tests.governance.factories import clean_photo, image_bytes, photo_upload
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("deliberation:station_list")
MINE = reverse("deliberation:my_topics")


def new_url(station) -> str:
    return reverse("deliberation:topic_new", args=[station.pk])


def detail_url(topic) -> str:
    return reverse("deliberation:topic_detail", args=[topic.pk])


def station_url(station) -> str:
    return reverse("deliberation:station_detail", args=[station.pk])


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def raiser_client(client, raiser):
    client.force_login(raiser)
    return client


def test_anonymous_visitors_read_the_public_station_page(client, supported_topic, station):
    page = page_text(client.get(station_url(station)))
    assert "<h1>西溪天街小哥驿站</h1>" in page
    assert "商场不让电动车进地库取餐" in page
    assert "1 人附议" in page
    assert "登录后提出议题" in page
    assert "驿站负责人专区" not in page


def test_anonymous_raising_or_supporting_goes_to_login(client, topic, station):
    login = reverse("account_request_login_code")
    assert client.get(new_url(station))["Location"] == f"{login}?next={new_url(station)}"
    response = client.post(reverse("deliberation:topic_support", args=[topic.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(login)
    assert not Support.objects.exists()


def test_station_page_shows_sessions_outcomes_and_actions(topic, station, lead, outsider, client):
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    past = hold(schedule(station, lead, [topic]))
    actions.session_record_minutes(session_id=past.pk, minutes="商场、物业、骑手代表到会。", acting_user=lead)
    actions.topic_record_resolution(
        topic_id=topic.pk,
        resolution="午高峰开放北门地库。",
        acting_user=lead,
        followups=[
            {"owner_party": "mall", "what": "设骑手通道", "due_on": timezone.localdate() + timedelta(days=7)}
        ],
    )
    actions.topic_conclude(
        topic_id=topic.pk, outcome="resolved", explanation="通道已开通。", acting_user=lead
    )
    coming_topic = actions.topic_raise(
        station=station, raised_by=outsider, title="小区门岗不让骑手进", description="门岗。"
    )
    actions.topic_accept(topic_id=coming_topic.pk, acting_user=lead)
    coming = schedule(station, lead, [coming_topic], days=5)
    closed = actions.topic_raise(
        station=station, raised_by=outsider, title="充电桩坏了", description="二号桩。"
    )
    actions.topic_close(topic_id=closed.pk, acting_user=lead, answer="已报修，本周修好。")

    page = page_text(client.get(station_url(station)))
    open_part, rest = page.split("即将召开的议事会")
    coming_part, past_part = rest.split("往期议事会结果")
    assert "小区门岗不让骑手进" in open_part and "商场不让电动车进地库取餐" not in open_part
    assert "已列入议事会议程" in open_part
    assert f'href="{reverse("events:detail", args=[coming.event_id])}"' in coming_part
    assert "商场管理方、骑手代表" in coming_part
    assert "商场、物业、骑手代表到会。" in past_part
    assert "决议：</strong> 午高峰开放北门地库。" in past_part
    assert "结果：</strong> 通道已开通。" in past_part
    assert "商场管理方：设骑手通道" in past_part
    assert "办理中" in past_part
    assert "已报修，本周修好。" in past_part


def test_station_list_search_by_name_and_street(client, supported_topic, station):
    StationFactory(name="翠苑小哥驿站", host_name="翠苑一区社区", street="cuiyuan")
    page = page_text(client.get(LIST))
    assert "西溪天街小哥驿站" in page and "翠苑小哥驿站" in page
    assert "1 个进行中的议题" in page
    by_street = page_text(client.get(LIST, {"q": "翠苑"}))
    assert "翠苑小哥驿站" in by_street and "西溪天街小哥驿站" not in by_street
    by_street_name = page_text(client.get(LIST, {"q": "蒋村"}))
    assert "西溪天街小哥驿站" in by_street_name and "翠苑小哥驿站" not in by_street_name
    none = page_text(client.get(LIST, {"q": "不存在"}))
    assert "没有找到与“不存在”匹配的驿站。试试商场名称或街道。" in none
    too_long = client.get(LIST, {"q": "长" * 41})
    assert too_long.status_code == 200


def test_raise_a_topic_with_photos(raiser_client, station, raiser):
    response = raiser_client.post(
        new_url(station),
        {
            "title": "午高峰没有临时停车位",
            "description": "北门只能停五分钟。",
            "photos": [photo_upload(), photo_upload()],
        },
    )
    topic = Topic.objects.get()
    assert response["Location"] == detail_url(topic)
    assert (topic.raised_by, topic.station, topic.status) == (raiser, station, "open")
    assert TopicPhoto.objects.filter(topic=topic).count() == 2
    page = page_text(raiser_client.get(detail_url(topic)))
    assert "谢谢！议题已提交，驿站负责人会尽快查看。" in page
    assert "这是你提出的议题，每一步进展都会通知你。" in page
    assert "驿站负责人会查看议题，提交议事会或直接答复。" in page


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"title": "", "description": "北门只能停五分钟。"}, "请用几个字说明是什么问题。"),
        ({"title": "   ", "description": "北门只能停五分钟。"}, "请用几个字说明是什么问题。"),
        ({"title": "停车", "description": ""}, "请描述问题：在哪里、什么时候、怎样影响你工作。"),
        ({"title": "长" * 81, "description": "北门。"}, "标题请控制在80字以内，详细情况写在描述里。"),
        ({"title": "停车", "description": "长" * 1001}, "描述请控制在1000字以内。"),
    ],
)
def test_raise_bad_input_keeps_what_was_typed(raiser_client, station, data, field_error):
    response = raiser_client.post(new_url(station), data)
    assert response.status_code == 400
    page = page_text(response)
    assert field_error in page
    assert "请修改下面标红的内容，其他已填写的内容都还在。" in page
    if data["title"].strip():
        assert f'value="{data["title"]}"' in page
    if data["description"]:
        assert data["description"] in page
    assert not Topic.objects.exists()


@pytest.mark.parametrize(
    "photos, message",
    [
        ([photo_upload(b"not an image", "x.jpg")], "无法识别这个文件，请上传 JPEG、PNG 或 WebP 格式的照片。"),
        ([photo_upload(image_bytes()[:200])], "照片已损坏，无法打开，请重新拍摄或选择。"),
        (
            [photo_upload(b"\xff\xd8\xff" + b"0" * (MAX_UPLOAD_BYTES + 1))],
            "文件超过10MB，请选择小一些的照片或文件。",
        ),
        ([photo_upload() for _ in range(4)], "最多添加三张照片。"),
        (
            [photo_upload(), photo_upload(b"nope", "y.jpg")],
            "第2张照片：无法识别这个文件，请上传 JPEG、PNG 或 WebP 格式的照片。",
        ),
    ],
)
def test_raise_photo_errors_are_clear_and_keep_the_text(raiser_client, station, photos, message):
    response = raiser_client.post(
        new_url(station),
        {"title": "午高峰没有临时停车位", "description": "北门只能停五分钟。", "photos": photos},
    )
    assert response.status_code == 400
    page = page_text(response)
    assert message in page
    assert "请重新选择照片。" in page
    assert 'value="午高峰没有临时停车位"' in page and "北门只能停五分钟。" in page
    assert not Topic.objects.exists()
    assert not TopicPhoto.objects.exists()


def test_raise_at_a_missing_or_closed_station_is_404(raiser_client):
    closed = StationFactory(is_active=False)
    assert raiser_client.get(new_url(closed)).status_code == 404
    assert (
        raiser_client.post(
            reverse("deliberation:topic_new", args=[99999]), {"title": "x", "description": "y"}
        ).status_code
        == 404
    )
    assert not Topic.objects.exists()


def test_support_then_withdraw_from_the_topic_page(client, topic, supporter):
    client.force_login(supporter)
    page = page_text(client.get(detail_url(topic)))
    assert "0 人附议" in page and "我也遇到了：附议" in page
    response = client.post(reverse("deliberation:topic_support", args=[topic.pk]), follow=True)
    page = page_text(response)
    assert "感谢附议！每一步进展都会通知你。" in page
    assert "1 人附议" in page and "你已附议这个议题。" in page and "撤回附议" in page
    again = page_text(client.post(reverse("deliberation:topic_support", args=[topic.pk]), follow=True))
    assert "你已经附议过这个议题了，每人只能附议一次。" in again
    assert Support.objects.count() == 1
    withdrawn = page_text(client.post(reverse("deliberation:topic_unsupport", args=[topic.pk]), follow=True))
    assert "已撤回附议。" in withdrawn and "0 人附议" in withdrawn
    assert not Support.objects.exists()


def test_the_raiser_cannot_support_own_topic(raiser_client, topic):
    page = page_text(raiser_client.post(reverse("deliberation:topic_support", args=[topic.pk]), follow=True))
    assert "这是你自己提出的议题，不能再附议；你的声音已经算在里面了。" in page
    assert not Support.objects.exists()


def test_support_of_a_missing_topic_is_404(client, supporter):
    client.force_login(supporter)
    assert client.post(reverse("deliberation:topic_support", args=[99999])).status_code == 404
    assert client.get(reverse("deliberation:topic_detail", args=[99999])).status_code == 404
    assert client.get(reverse("deliberation:topic_support", args=[99999])).status_code == 405


def test_the_lead_accepts_from_the_station_page(client, supported_topic, station, lead, raiser):
    client.force_login(lead)
    page = page_text(client.get(station_url(station)))
    assert "驿站负责人专区" in page and "有 1 个议题等待你处理。" in page
    response = client.post(
        reverse("deliberation:topic_accept", args=[supported_topic.pk]), {"back": "station", "note": ""}
    )
    assert response["Location"] == station_url(station)
    supported_topic.refresh_from_db()
    assert supported_topic.status == "accepted"
    assert PointEntry.objects.get(user=raiser).amount == 5
    page = page_text(client.get(station_url(station)))
    assert "暂无等待你处理的议题。" in page and "有 1 个已受理议题等待上会。" in page
    assert "街道工作人员会和你一起安排议事会。" in page


def test_the_lead_answers_and_closes_on_the_topic_page(client, supported_topic, lead, supporter):
    client.force_login(lead)
    assert "答复并办结" in page_text(client.get(detail_url(supported_topic)))
    empty = client.post(reverse("deliberation:topic_close", args=[supported_topic.pk]), {"answer": "  "})
    assert empty.status_code == 400
    assert "请填写答复，提出议题的小哥和附议人都会看到。" in page_text(empty)
    response = client.post(
        reverse("deliberation:topic_close", args=[supported_topic.pk]),
        {"answer": "商场同意午高峰开放地库。"},
        follow=True,
    )
    page = page_text(response)
    assert "议题已答复并办结，已通知提出人和附议人。" in page
    assert "驿站负责人答复：</strong> 商场同意午高峰开放地库。" in page
    assert Message.objects.filter(recipient=supporter, kind="station_topic_closed").count() == 1


@pytest.mark.parametrize("who", ["raiser", "supporter", "outsider", "station_staff"])
def test_others_cannot_accept_or_close(client, request, supported_topic, who):
    client.force_login(request.getfixturevalue(who))
    accept = client.post(reverse("deliberation:topic_accept", args=[supported_topic.pk]))
    close = client.post(reverse("deliberation:topic_close", args=[supported_topic.pk]), {"answer": "不处理"})
    # station staff (the group) decide only at the stations they run
    assert (accept.status_code, close.status_code) == (403, 403)
    supported_topic.refresh_from_db()
    assert supported_topic.status == "open"
    assert not PointEntry.objects.exists()
    assert not Message.objects.exists()
    assert "驿站负责人专区" not in page_text(client.get(detail_url(supported_topic)))


def test_lead_of_another_station_cannot_accept(client, topic):
    other_lead = UserFactory()
    StationFactory(lead=other_lead)
    client.force_login(other_lead)
    assert client.post(reverse("deliberation:topic_accept", args=[topic.pk])).status_code == 403
    topic.refresh_from_db()
    assert topic.status == "open"


def test_topic_page_timeline_and_masked_raiser(client, supported_topic, lead):
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead, note="下周议事会讨论。")
    page = page_text(client.get(detail_url(supported_topic)))
    assert "张*" in page and "张伟" not in page
    assert "已提出" in page and "小哥提出" in page
    assert "下周议事会讨论。" in page and "驿站负责人" in page
    assert "驿站负责人会把议题列入议事会议程。" in page
    assert "登录后附议" in page


def test_photos_private_until_accepted(client, station, raiser, lead, outsider):
    topic = actions.topic_raise(
        station=station, raised_by=raiser, title="门岗", description="不让进。", photos=[clean_photo()]
    )
    photo = TopicPhoto.objects.get()
    url = reverse("deliberation:photo", args=[photo.pk, "thumb"])
    assert client.get(url).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert "stations/photos" not in page_text(client.get(detail_url(topic)))
    client.force_login(raiser)
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    client.force_login(lead)
    assert client.get(url).status_code == 200
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    client.logout()
    assert client.get(reverse("deliberation:photo", args=[photo.pk, "full"])).status_code == 200
    assert client.get(reverse("deliberation:photo", args=[photo.pk, "huge"])).status_code == 404


def test_my_topics_lists_raised_and_supported(client, station, raiser, supporter, outsider):
    mine = actions.topic_raise(station=station, raised_by=supporter, title="我提的", description="描述。")
    backed = actions.topic_raise(station=station, raised_by=raiser, title="我附议的", description="描述。")
    actions.topic_raise(station=station, raised_by=outsider, title="别人的", description="描述。")
    actions.topic_support(topic_id=backed.pk, user=supporter)
    client.force_login(supporter)
    page = page_text(client.get(MINE))
    assert mine.title in page and backed.title in page and "别人的" not in page
    client.force_login(UserFactory())
    assert "你还没有提出或附议过议题。" in page_text(client.get(MINE))


def test_my_topics_needs_login(client):
    assert client.get(MINE).status_code == 302


def make_topics(station, count):
    for number in range(count):
        topic = actions.topic_raise(
            station=station, raised_by=UserFactory(), title=f"议题{number}", description="描述。"
        )
        actions.topic_support(topic_id=topic.pk, user=UserFactory())


@pytest.mark.parametrize("count", [1, 6])
def test_station_list_queries_do_not_grow(client, django_assert_num_queries, count):
    for _ in range(count):
        make_topics(StationFactory(), 2)
    # count, stations with their points and open-topic counts
    with django_assert_num_queries(2):
        client.get(LIST)


@pytest.mark.parametrize("count", [1, 6])
def test_station_page_queries_do_not_grow(client, station, lead, django_assert_num_queries, count):
    make_topics(station, count)
    for topic in Topic.objects.all():
        actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    session = hold(schedule(station, lead, list(Topic.objects.all())))
    actions.session_record_minutes(session_id=session.pk, minutes="纪要。", acting_user=lead)
    make_topics(station, count)
    coming = list(Topic.objects.filter(status="open"))
    for topic in coming:
        actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    schedule(station, lead, coming)
    make_topics(station, count)
    # station, live topics, answered topics,
    # coming sessions + agenda + follow-ups, past sessions + agenda + follow-ups
    with django_assert_num_queries(9):
        client.get(station_url(station))


@pytest.mark.parametrize("count", [1, 6])
def test_my_topics_queries_do_not_grow(client, station, supporter, django_assert_num_queries, count):
    for number in range(count):
        topic = actions.topic_raise(
            station=station, raised_by=UserFactory(), title=f"议题{number}", description="描述。"
        )
        actions.topic_support(topic_id=topic.pk, user=supporter)
    client.force_login(supporter)
    # session, user, count, topics with station and support counts, inbox count
    with django_assert_num_queries(5):
        client.get(MINE)


def test_an_empty_post_shows_what_is_missing(raiser_client, station):
    response = raiser_client.post(new_url(station), {})
    assert response.status_code == 400
    page = page_text(response)
    assert "请用几个字说明是什么问题。" in page and "请描述问题：在哪里、什么时候、怎样影响你工作。" in page
    assert not Topic.objects.exists()
