"""No dead ends: each refusal says why and offers a way on (issue 19, item 3)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Education
from tests.academy.factories import OfferingFactory, ProgrammeFactory, worker
from tests.accounts.test_profile import form_data
from tests.events.factories import EventFactory, RegistrationFactory, ongoing_event

pytestmark = pytest.mark.django_db


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html: str, css_class: str) -> str:
    match = re.search(rf'<section class="card {css_class}">.*?</section>', html, re.S)
    return match.group(0) if match else ""


@pytest.fixture
def bachelor_and_associate():
    bachelor = OfferingFactory(programme=ProgrammeFactory(level="bachelor", major="行政管理"))
    associate = OfferingFactory(
        programme=ProgrammeFactory(major="会计"),
        intake=bachelor.intake,
    )
    return bachelor, associate


def test_an_ineligible_programme_offers_to_fix_the_profile_and_lists_what_is_open(
    client, bachelor_and_associate
):
    bachelor, associate = bachelor_and_associate
    client.force_login(worker(education=Education.SENIOR_HIGH))
    url = reverse("academy:programme", args=[bachelor.programme_id])
    page = client.get(url).content.decode()
    assert f'<a class="button" href="{reverse("profile_edit")}?next={url}">修改我的资料</a>' in page
    assert (
        text_of(section(page, "alternatives"))
        == f"你现在可以报名的其他专业 会计（专科） · {associate.intake.name}"
    )
    assert f'href="{reverse("academy:programme", args=[associate.programme_id])}"' in section(
        page, "alternatives"
    )


def test_the_profile_fixed_from_a_programme_goes_back_to_it(client, bachelor_and_associate):
    bachelor, _associate = bachelor_and_associate
    client.force_login(worker(education=Education.SENIOR_HIGH))
    back = reverse("academy:programme", args=[bachelor.programme_id])
    response = client.post(
        f"{reverse('profile_edit')}?next={back}", form_data(education=Education.ASSOCIATE), follow=True
    )
    assert response.redirect_chain == [(back, 302)]
    page = response.content.decode()
    assert "修改我的资料" not in page
    assert f'href="/academy/apply/?offering={bachelor.pk}"' in page
    assert section(page, "alternatives") == ""


def test_the_profile_never_sends_on_to_another_site(client):
    client.force_login(worker())
    response = client.post(f"{reverse('profile_edit')}?next=https://evil.example/", form_data())
    assert response["Location"] == reverse("me")


def test_an_eligible_worker_gets_no_alternatives(client, bachelor_and_associate):
    bachelor, _associate = bachelor_and_associate
    client.force_login(worker(education=Education.BACHELOR))
    page = client.get(reverse("academy:programme", args=[bachelor.programme_id])).content.decode()
    assert section(page, "alternatives") == ""
    assert "修改我的资料" not in page


def test_the_error_page_gives_the_service_desk_number(client, settings, monkeypatch):
    import config.home

    settings.SERVICE_DESK_PHONE = "0571-12345"

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(config.home, "render", broken)
    client.raise_request_exception = False
    page = client.get("/").content.decode()
    assert "请过一分钟再试；如果还是不行，请致电服务台 0571-12345。" in page
    assert '<a class="button" href="tel:0571-12345">拨打服务台电话（0571-12345）</a>' in page


def test_a_started_event_explains_and_offers_the_next_ones_at_the_station(client):
    event = ongoing_event()
    later = EventFactory(station=event.station, title="骑手读书会")
    EventFactory(title="别的驿站的活动")
    client.force_login(worker())
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    closed = section(page, "closed-for-you")
    assert text_of(closed).startswith(
        f"活动已经开始，报名已经截止：名额留给了开始前报名的人。 {event.station.name}接下来的活动 骑手读书会"
    )
    assert f'href="{reverse("events:detail", args=[later.pk])}"' in closed
    assert "别的驿站的活动" not in closed


def test_a_started_event_with_nothing_next_says_so(client):
    event = ongoing_event()
    client.force_login(worker())
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert text_of(section(page, "closed-for-you")) == (
        "活动已经开始，报名已经截止：名额留给了开始前报名的人。 这个驿站暂时没有其他活动安排。看看其他地方即将举办的活动："
    )


def test_a_registered_worker_at_a_started_event_sees_the_check_in_not_the_explanation(client):
    event = ongoing_event()
    registration = RegistrationFactory(event=event, user=worker())
    client.force_login(registration.user)
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert section(page, "closed-for-you") == ""
    assert "签到" in page
