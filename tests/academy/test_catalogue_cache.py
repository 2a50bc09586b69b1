"""The programme catalogue is drawn once and kept until it changes (core.fragments, issue 23)."""

import datetime as dt
import re
from unittest import mock

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import fragments
from tests.academy.factories import IntakeFactory, OfferingFactory, ProgrammeFactory, worker

pytestmark = pytest.mark.django_db

URL = reverse("academy:programmes")


def without_tokens(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def drawn():
    """Counts the drawings of the catalogue (a catalogue served from the cache is not drawn)."""
    from django.template.loader import render_to_string

    return mock.patch("academy.views.render_to_string", wraps=render_to_string)


def test_the_catalogue_is_drawn_once_for_visitors_and_workers_alike(client, django_assert_num_queries):
    OfferingFactory(programme=ProgrammeFactory(major="物流管理"))
    # The next opening or closing of an intake, the majors of the filter, the page count, the page.
    with django_assert_num_queries(4):
        first = client.get(URL).content.decode()
    with django_assert_num_queries(0):
        again = client.get(URL).content.decode()
    # The same page, but for the language switch's token (masked anew for each response).
    assert without_tokens(again) == without_tokens(first)
    courier = Client()
    courier.force_login(worker())
    # Session, user and the inbox's unread count: the catalogue itself comes from the cache.
    with django_assert_num_queries(3):
        page = courier.get(URL).content.decode()
    assert "物流管理" in page and "正在报名" in page
    assert "我的申请" in page  # the worker's own links stay outside the catalogue
    assert "我的申请" not in first


def test_a_change_of_a_programme_its_university_or_an_offering_shows_at_once(client):
    programme = ProgrammeFactory(major="物流管理")
    assert "暂未开放报名" in client.get(URL).content.decode()

    offering = OfferingFactory(programme=programme)
    assert "正在报名" in client.get(URL).content.decode()

    programme.major = "现代物流管理"
    programme.save()
    assert "现代物流管理" in client.get(URL).content.decode()

    programme.university.name = "浙江开放大学（新）"
    programme.university.save()
    assert "浙江开放大学（新）" in client.get(URL).content.decode()

    offering.intake.applications_close_at = timezone.now() - dt.timedelta(minutes=1)
    offering.intake.applications_open_at = timezone.now() - dt.timedelta(days=1)
    offering.intake.save()
    assert "暂未开放报名" in client.get(URL).content.decode()

    programme.is_active = False
    programme.save()
    assert "现代物流管理" not in client.get(URL).content.decode()


def test_an_admission_counting_seats_keeps_the_catalogue(client, django_assert_num_queries):
    offering = OfferingFactory()
    client.get(URL)
    offering.seats_taken = 1
    offering.save(update_fields=["seats_taken", "updated_at"])
    with django_assert_num_queries(0):
        client.get(URL)


def test_an_intake_that_opens_later_shows_open_from_its_opening(client):
    opens = timezone.now() + dt.timedelta(hours=1)
    OfferingFactory(
        intake=IntakeFactory(applications_open_at=opens, applications_close_at=opens + dt.timedelta(days=9))
    )
    assert "暂未开放报名" in client.get(URL).content.decode()
    with mock.patch("django.utils.timezone.now", return_value=opens - dt.timedelta(seconds=1)):
        assert "暂未开放报名" in client.get(URL).content.decode()
    with mock.patch("django.utils.timezone.now", return_value=opens):
        assert "正在报名" in client.get(URL).content.decode()


def test_each_filter_and_page_is_kept_on_its_own(client):
    for number in range(25):
        ProgrammeFactory(major=f"物流管理{number:02d}", level="bachelor")
    ProgrammeFactory(major="会计", level="associate")
    with drawn() as render:
        for _ in range(2):
            assert ">会计</a>" not in client.get(URL, {"level": "bachelor"}).content.decode()
            second = client.get(URL, {"level": "bachelor", "page": "2"}).content.decode()
            assert '<a href="?level=bachelor&amp;page=1">上一页</a>' in second
            assert ">会计</a>" in client.get(URL, {"level": "associate"}).content.decode()
    assert render.call_count == 3


@pytest.mark.parametrize(
    "query",
    [
        {"level": "doctorate"},  # a filter with an error
        {"page": "abc"},
        {"page": "12345"},
        {"from": "tile"},
        {"level": ["bachelor", "associate"]},
    ],
)
def test_other_query_strings_are_drawn_every_time(client, query):
    ProgrammeFactory()
    with drawn() as render:
        for _ in range(2):
            assert client.get(URL, query).status_code == 200
    assert render.call_count == 2


def test_each_language_has_its_own_catalogue(client):
    ProgrammeFactory()
    assert "正在报名" not in client.get(URL).content.decode()
    assert "暂未开放报名" in client.get(URL).content.decode()
    assert "No intake open now" in client.get(URL, headers={"accept-language": "en"}).content.decode()


def test_with_redis_unreachable_the_catalogue_is_drawn(client):
    class Unreachable:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise redis.exceptions.ConnectionError("Connection refused")

            return fail

    ProgrammeFactory(major="物流管理")
    with mock.patch.object(fragments, "cache", Unreachable()), drawn() as render:
        for _ in range(2):
            assert "物流管理" in client.get(URL).content.decode()
    assert render.call_count == 2
