"""Riders rate a site's access at most once a month each."""

import datetime as dt

import pytest
from django.urls import reverse

from delivery.models import SiteRating
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCORES = {"entering": "2", "parking": "1", "finding": "4", "lifts": "5"}


def rate(client, site, **overrides):
    return client.post(reverse("delivery:rate", args=[site.uuid]), {**SCORES, **overrides})


def test_a_rider_rates_once_and_the_page_shows_the_averages(client, site):
    client.force_login(UserFactory())
    response = rate(client, site)
    assert response.status_code == 302
    assert response["Location"] == f"/delivery/sites/{site.uuid}/#ratings"
    other = UserFactory()
    client.force_login(other)
    rate(client, site, entering="4", parking="3")
    page = client.get(reverse("delivery:site", args=[site.uuid]))
    assert page.context["ratings"] == {
        "count": 2,
        "entering": 3.0,
        "parking": 2.0,
        "finding": 4.0,
        "lifts": 5.0,
    }
    assert "最近十二个月 2 条评价" in page.content.decode()


def on(monkeypatch, day: dt.date) -> None:
    # The month a rating counts for is the rider's local date (Asia/Shanghai).
    monkeypatch.setattr("delivery.actions.timezone.localdate", lambda *args, **kwargs: day)


def test_a_second_rating_in_the_same_month_is_refused_and_changes_nothing(client, site, monkeypatch):
    on(monkeypatch, dt.date(2026, 3, 18))
    client.force_login(UserFactory())
    rate(client, site)
    response = rate(client, site, entering="5")
    assert response.status_code == 400
    assert "你本月已经评价过紫金港花园，2026年4月1日起可以再评价。" in response.content.decode()
    assert list(SiteRating.objects.values_list("entering", flat=True)) == [2]
    on(monkeypatch, dt.date(2026, 4, 1))
    assert rate(client, site, entering="5").status_code == 302
    assert SiteRating.objects.count() == 2


@pytest.mark.parametrize("bad", [{"parking": ""}, {"parking": "0"}, {"parking": "6"}, {"parking": "x"}])
def test_a_missing_or_out_of_range_score_is_refused_next_to_its_question(client, site, bad):
    client.force_login(UserFactory())
    response = rate(client, site, **bad)
    assert response.status_code == 400
    assert response.context["rating_form"].errors == {"parking": ["每一项请选择 1 到 5 分。"]}
    assert not SiteRating.objects.exists()


def test_the_anonymous_are_sent_to_log_in_and_nothing_is_stored(client, site):
    response = rate(client, site)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not SiteRating.objects.exists()
    assert client.get(reverse("delivery:site", args=[site.uuid])).context["rating_form"] is None
