"""Station staff run their own stations in admin; district staff and superusers all of them.

Also: the raiser's phone masked for station staff, the cancel page, the CSV header in Chinese.
"""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts import roles
from deliberation import actions
from deliberation.models import Session, Topic
from events.models import Event
from notifications.models import Message
from stations.models import Station
from tests.deliberation.conftest import hold, schedule
from tests.factories import StaffFactory, UserFactory
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db

TOPICS = reverse("admin:deliberation_topic_changelist")
SESSIONS = reverse("admin:deliberation_session_changelist")


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def other_station_staff(client, station_staff):
    """Station staff, but of another station."""
    StationFactory(name="翠苑小哥驿站").staff.add(station_staff)
    client.force_login(station_staff)
    return client


def test_the_station_staff_group_cannot_change_stations_or_run_them_all():
    group = Group.objects.get(name=roles.STATION_STAFF)
    codenames = set(
        group.permissions.filter(content_type__app_label="stations").values_list("codename", flat=True)
    )
    assert "view_station" in codenames
    assert "change_station" not in codenames
    assert "manage_all_stations" not in codenames


def test_station_staff_cannot_edit_a_station(other_station_staff, station, station_staff):
    own = Station.objects.get(name="翠苑小哥驿站")
    url = reverse("admin:stations_station_change", args=[own.pk])
    response = other_station_staff.post(url, {"name": "改名", "staff": [station_staff.pk]})
    assert response.status_code == 403
    assert (
        other_station_staff.get(reverse("admin:stations_station_change", args=[station.pk])).status_code
        == 404
    )
    assert list(station.staff.all()) == []
    own.refresh_from_db()
    assert own.name == "翠苑小哥驿站"
    page = page_text(other_station_staff.get(reverse("admin:stations_station_changelist")))
    assert "翠苑小哥驿站" in page
    assert "西溪天街小哥驿站" not in page


def test_station_staff_of_another_station_see_and_decide_nothing_here(
    other_station_staff, supported_topic, station, lead
):
    assert "商场不让电动车进地库取餐" not in page_text(other_station_staff.get(TOPICS))
    change = reverse("admin:deliberation_topic_change", args=[supported_topic.pk])
    assert other_station_staff.get(change).status_code == 404  # a foreign id answers like a missing one
    decide = reverse("admin:deliberation_topic_decide", args=[supported_topic.pk])
    assert other_station_staff.post(decide, {"decision": "accept"}).status_code == 404
    supported_topic.refresh_from_db()
    assert supported_topic.status == "open"

    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    session = schedule(station, lead, [supported_topic])
    assert "西溪天街小哥驿站议事会" not in page_text(other_station_staff.get(SESSIONS))
    for name in ("minutes", "agenda", "cancel"):
        url = reverse(f"admin:deliberation_session_{name}", args=[session.pk])
        assert other_station_staff.get(url).status_code == 404
    assert (
        other_station_staff.post(
            reverse("admin:deliberation_session_cancel", args=[session.pk]), {"reason": "不开了"}
        ).status_code
        == 404
    )
    session.refresh_from_db()
    assert session.status == "scheduled"
    # Scheduling offers only the stations the person runs and their accepted topics.
    form = page_text(other_station_staff.get(reverse("admin:deliberation_session_add")))
    assert "翠苑小哥驿站" in form
    assert "西溪天街小哥驿站" not in form


def test_district_staff_and_superusers_run_every_station(client, supported_topic):
    district = StaffFactory()
    district.groups.add(Group.objects.get(name=roles.STATION_STAFF))
    district.user_permissions.add(Permission.objects.get(codename="manage_all_stations"))
    for person in (district, StaffFactory(is_superuser=True)):
        client.force_login(person)
        assert "商场不让电动车进地库取餐" in page_text(client.get(TOPICS))
    decide = reverse("admin:deliberation_topic_decide", args=[supported_topic.pk])
    assert client.post(decide, {"decision": "accept"}).status_code == 302
    supported_topic.refresh_from_db()
    assert supported_topic.status == "accepted"


def test_station_staff_see_the_raiser_with_a_masked_phone(
    client, station_staff, station, supported_topic, raiser
):
    station.staff.add(station_staff)
    client.force_login(station_staff)
    local = raiser.phone.removeprefix("+86")
    masked = f"{local[:3]}****{local[7:]}"
    for url in (TOPICS, reverse("admin:deliberation_topic_change", args=[supported_topic.pk])):
        page = page_text(client.get(url))
        assert f"张伟 {masked}" in page
        assert str(raiser) not in page
        assert local not in page
    # Searching by the full phone number finds nothing for station staff.
    assert "商场不让电动车进地库取餐" not in page_text(client.get(TOPICS, {"q": local}))
    client.force_login(StaffFactory(is_superuser=True))
    assert str(raiser) in page_text(client.get(TOPICS))
    assert "商场不让电动车进地库取餐" in page_text(client.get(TOPICS, {"q": raiser.phone}))


def test_cancel_a_session_in_admin(client, station_staff, station, supported_topic, lead, raiser):
    station.staff.add(station_staff)
    client.force_login(station_staff)
    actions.topic_accept(topic_id=supported_topic.pk, acting_user=lead)
    session = schedule(station, lead, [supported_topic])
    other = schedule(
        station,
        lead,
        [
            actions.topic_accept(
                topic_id=actions.topic_raise(
                    station=station, raised_by=UserFactory(), title="门岗", description="不让进。"
                ).pk,
                acting_user=lead,
            )
        ],
        days=5,
    )
    change = page_text(client.get(reverse("admin:deliberation_session_change", args=[session.pk])))
    cancel = reverse("admin:deliberation_session_cancel", args=[session.pk])
    assert cancel in change
    # The admin action takes one session to its cancel page (a reason is needed).
    both = client.post(
        SESSIONS, {"action": "cancel_selected", "_selected_action": [session.pk, other.pk]}, follow=True
    )
    assert "请选择一个要取消的议事会。" in page_text(both)
    one = client.post(SESSIONS, {"action": "cancel_selected", "_selected_action": [session.pk]})
    assert one["Location"] == cancel
    Message.objects.all().delete()
    empty = client.post(cancel, {"reason": " "})
    assert empty.status_code == 400
    assert "该字段是必填项。" in page_text(empty)
    assert Session.objects.get(pk=session.pk).status == "scheduled"
    assert not Message.objects.exists()
    response = client.post(cancel, {"reason": "商场临时封闭会议室。"})
    assert response["Location"] == reverse("admin:deliberation_session_change", args=[session.pk])
    session.refresh_from_db()
    assert session.status == "cancelled"
    assert session.event.status == "cancelled"
    assert Topic.objects.get(pk=supported_topic.pk).status == "accepted"
    assert Message.objects.filter(recipient=raiser, kind="station_topic_session_cancelled").count() == 2
    again = client.post(cancel, {"reason": "再取消"})
    assert again.status_code == 400
    assert "本次议事会已取消。" in page_text(again)
    assert Event.objects.filter(status="cancelled").count() == 1


def test_minutes_page_refuses_a_cancelled_session(client, station_staff, station, topic, lead):
    station.staff.add(station_staff)
    client.force_login(station_staff)
    actions.topic_accept(topic_id=topic.pk, acting_user=lead)
    session = schedule(station, lead, [topic])
    actions.session_cancel(session_id=session.pk, acting_user=lead, reason="改期")
    hold(session)
    response = client.post(
        reverse("admin:deliberation_session_minutes", args=[session.pk]), {"minutes": "纪要。"}
    )
    assert response.status_code == 400
    assert "本次议事会已取消。" in page_text(response)
    session.refresh_from_db()
    assert (session.status, session.minutes) == ("cancelled", "")


def test_topic_csv_header_is_translated(client, station_staff, station, topic):
    station.staff.add(station_staff)
    client.force_login(station_staff)
    response = client.get(reverse("admin:deliberation_topic_export"))
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == [
        "编号", "驿站", "标题", "状态", "附议人数", "提出时间", "议事会", "议事会时间",
        "答复", "决议", "结果说明", "跟进事项",
    ]  # fmt: skip
    assert rows[1][:2] == [str(topic.pk), "西溪天街小哥驿站"]
