"""随口说 routed to a station's deliberation as a topic (core.topic_routes: voice never imports deliberation)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from core.exceptions import ApplicationError
from core.models import AuditEntry
from deliberation.models import Topic
from notifications.models import Message
from tests.stations.factories import StationFactory
from voice import actions
from voice.models import Opinion

pytestmark = pytest.mark.django_db

SAID = "东门没有骑手停车位，午高峰只能停在马路上。"


@pytest.fixture
def station(db):
    return StationFactory(name="蒋村小哥驿站")


@pytest.fixture
def opinion(member):
    opinion, _ = actions.opinion_submit(worker=member, text=SAID, topic="traffic")
    return opinion


def inbox(user):
    return list(
        Message.objects.filter(recipient=user, channel="inbox")
        .order_by("id")
        .values_list("kind", "body", "link")
    )


def route(opinion, by, station, summary="东门缺骑手停车位", **more):
    return actions.opinion_route(
        opinion_id=opinion.pk, acting_user=by, summary=summary, tags="停车", station_id=station.pk, **more
    )


def test_an_opinion_becomes_a_topic_raised_for_its_member(member, grid_admin, station, opinion):
    translation.activate("en")  # the staff member reads English; the worker reads the portal's language
    try:
        routed = route(opinion, grid_admin, station)
    finally:
        translation.deactivate()
    topic = Topic.objects.get()
    assert (topic.station, topic.raised_by, topic.status, topic.title) == (
        station,
        member,
        "open",
        "东门缺骑手停车位",
    )
    assert topic.description == f"{SAID}\n\n由网格员的随口说（民意 #{opinion.pk}）转来。"
    assert list(topic.updates.values_list("status", "actor_role", "actor", "note")) == [
        ("open", "raiser", member.pk, "由网格管理员根据网格员在街面听到的声音（随口说）转来。")
    ]
    routed.refresh_from_db()
    assert (
        routed.status,
        routed.summary,
        routed.tags,
        routed.department,
        routed.station,
        routed.station_topic_id,
    ) == (
        "routed",
        "东门缺骑手停车位",
        "停车",
        "",
        station,
        topic.pk,
    )
    assert routed.station_topic_url == f"/stations/topics/{topic.pk}/"
    assert inbox(member) == [
        (
            "opinion_routed_topic",
            f"民意 #{opinion.pk} 已摘要为“东门缺骑手停车位”，并作为议题提交蒋村小哥驿站议事。议题的每一步进展都会通知你。",
            f"/grid/voice/say/{opinion.pk}/",
        )
    ]
    assert list(
        AuditEntry.objects.filter(actor=grid_admin).order_by("id").values_list("action", "target_id", "data")
    ) == [
        ("station.topic.raise", str(topic.pk), {"station": station.pk, "for": member.pk}),
        ("voice.opinion.route", str(opinion.pk), {"station": station.pk, "topic": topic.pk}),
    ]


def test_the_member_sees_the_station_and_a_link_to_the_topic_then_the_answer(
    client, member, grid_admin, station, opinion
):
    route(opinion, grid_admin, station)
    actions.opinion_answer(opinion_id=opinion.pk, acting_user=grid_admin, answer="驿站将在下次议事会讨论。")
    topic = Topic.objects.get()
    client.force_login(member)
    page = client.get(reverse("voice:opinion_detail", args=[opinion.pk])).content.decode()
    assert (
        f'<dt>转交给</dt><dd>蒋村小哥驿站的议事 · <a href="/stations/topics/{topic.pk}/">议题 #{topic.pk}</a></dd>'
        in page
    )
    assert "<dt>答复</dt><dd>驿站将在下次议事会讨论。</dd>" in page
    assert client.get(f"/stations/topics/{topic.pk}/").status_code == 200


def _nothing_changed(opinion, member, topics: int = 0, audits: int = 0, messages: int = 0):
    opinion.refresh_from_db()
    assert (
        opinion.status,
        opinion.summary,
        opinion.station_id,
        opinion.station_topic_id,
        opinion.department,
    ) == (
        "submitted",
        "",
        None,
        None,
        "",
    )
    assert Topic.objects.count() == topics
    assert AuditEntry.objects.exclude(action="voice.opinion.submit").count() == audits
    assert Message.objects.filter(recipient=member).count() == messages


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"station_id": 0}, "请选择由哪个驿站的议事把这条民意作为议题。"),
        ({"summary": "  "}, "请写一句简短的摘要；它将作为驿站议题的标题。"),
        ({"summary": "长" * 81}, "摘要将作为驿站议题的标题：请控制在 80 个字以内（现在是 81 个字）。"),
        ({"department": "街道城管科"}, "请转交给一个部门或一个驿站的议事，不能两者都选。"),
        ({"closed": True}, "该驿站已关闭，不能再在这里提出议题。"),
    ],
)
def test_bad_routing_is_refused_and_changes_nothing(member, grid_admin, station, opinion, change, message):
    if change.pop("closed", False):
        station.is_active = False
        station.save(update_fields=["is_active"])
    kwargs = {"summary": "东门缺骑手停车位", "station_id": station.pk, **change}
    with pytest.raises(ApplicationError) as refused:
        actions.opinion_route(opinion_id=opinion.pk, acting_user=grid_admin, tags="停车", **kwargs)
    assert refused.value.message == message
    _nothing_changed(opinion, member)


def test_routing_twice_is_refused_and_raises_no_second_topic(member, grid_admin, station, opinion):
    route(opinion, grid_admin, station)
    other = StationFactory(name="西溪小哥驿站")
    for again in (
        lambda: route(opinion, grid_admin, other, summary="再转一次"),
        lambda: actions.opinion_route(
            opinion_id=opinion.pk, acting_user=grid_admin, summary="再转一次", department="城管科"
        ),
    ):
        with pytest.raises(ApplicationError) as refused:
            again()
        assert refused.value.message == "当前状态为“已转交”，无法转交。"
    opinion.refresh_from_db()
    assert (opinion.station, opinion.summary, opinion.department) == (station, "东门缺骑手停车位", "")
    assert Topic.objects.count() == 1
    assert Message.objects.filter(recipient=member).count() == 1


def test_a_recording_only_opinion_raises_its_summary_not_the_recording(member, grid_admin, station):
    opinion = Opinion.objects.create(worker=member, audio_seconds=12)  # as a recording leaves it
    route(opinion, grid_admin, station)
    assert (
        Topic.objects.get().description == f"东门缺骑手停车位\n\n由网格员的随口说（民意 #{opinion.pk}）转来。"
    )


def test_a_long_opinion_is_cut_to_the_topic_description(member, grid_admin, station):
    opinion, _ = actions.opinion_submit(worker=member, text="说" * 2000)
    route(opinion, grid_admin, station)
    description = Topic.objects.get().description
    assert (
        len(description) == 1000 and description.startswith("说" * 900) and "说…\n\n由网格员" in description
    )


# --- in admin -------------------------------------------------------------------------------------


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_staff_route_to_a_station_in_admin(client, member, grid_admin, station, opinion):
    client.force_login(grid_admin)
    url = reverse("admin:voice_opinion_route", args=[opinion.pk])
    page = client.get(url).content.decode()
    assert (
        "一个驿站的议事（作为议题）" in page and f'<option value="{station.pk}">蒋村小哥驿站</option>' in page
    )
    response = client.post(
        url,
        {
            "summary": "东门缺骑手停车位",
            "tags": "停车",
            "route_to": "station",
            "station": station.pk,
            "department": "被忽略",
        },
    )
    assert response.status_code == 302
    assert said(response) == [f"民意 #{opinion.pk} 已转交。"]
    topic = Topic.objects.get()
    opinion.refresh_from_db()
    assert (opinion.station_topic_id, opinion.department) == (topic.pk, "")
    change = client.get(reverse("admin:voice_opinion_change", args=[opinion.pk])).content.decode()
    assert f'蒋村小哥驿站 · <a href="/stations/topics/{topic.pk}/">议题 #{topic.pk}</a>' in change


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"route_to": "station", "station": ""}, "station", "请选择由哪个驿站的议事把这条民意作为议题。"),
        ({"route_to": "station", "station": "closed"}, "station", "该驿站已关闭或已不存在，请另选一个。"),
        ({"route_to": "department", "department": ""}, "summary", "请写一句简短的摘要并填写转交部门。"),
    ],
)
def test_bad_routing_in_admin_keeps_what_was_typed(
    client, member, grid_admin, station, opinion, data, field, message
):
    if data.get("station") == "closed":
        closed = StationFactory(name="已关驿站", is_active=False)
        data = {**data, "station": closed.pk}
    client.force_login(grid_admin)
    response = client.post(
        reverse("admin:voice_opinion_route", args=[opinion.pk]),
        {"summary": "东门缺骑手停车位", "tags": "停车", **data},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {field: [message]}
    assert (form["summary"].value(), form["tags"].value()) == ("东门缺骑手停车位", "停车")
    _nothing_changed(opinion, member)


def test_without_deliberation_routing_to_a_station_is_refused(
    monkeypatch, member, grid_admin, station, opinion
):
    """core.topic_routes with nobody registered (deliberation not installed): a clear refusal."""
    from core import topic_routes

    monkeypatch.setattr(topic_routes, "_registry", topic_routes._Registry())
    with pytest.raises(ApplicationError) as refused:
        route(opinion, grid_admin, station)
    assert refused.value.message == "本门户未开通驿站议事。"
    _nothing_changed(opinion, member)
    assert topic_routes.topic_url(7) == ""
