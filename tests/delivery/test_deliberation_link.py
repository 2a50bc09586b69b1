"""A site whose riders rate its access low is raised, with one tap, at the nearest station."""

import pytest
from django.urls import reverse

from deliberation.models import Topic
from delivery.models import SiteRating
from tests.delivery.factories import HERE
from tests.factories import UserFactory
from tests.services.factories import PointFactory
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stations(db):
    near = StationFactory(
        name="紫金港小哥驿站", service_point=PointFactory(latitude=HERE[0] + 0.01, longitude=HERE[1])
    )
    StationFactory(name="西溪天街小哥驿站", service_point=PointFactory(latitude=30.2831, longitude=120.0951))
    return near


def rate(site, n: int, score: int) -> None:
    import datetime as dt

    for _ in range(n):
        SiteRating.objects.create(
            site=site, rider=UserFactory(), month=dt.date.today().replace(day=1),
            entering=score, parking=4, finding=4, lifts=4,
        )  # fmt: skip


def test_low_ratings_offer_the_nearest_station_and_the_topic_is_linked(client, site, stations):
    rate(site, 3, 1)
    page = client.get(reverse("delivery:site", args=[site.uuid]))
    link = f'href="/stations/{stations.pk}/raise/?site={site.uuid}"'
    assert link in page.content.decode()
    assert page.context["station"] == stations
    rider = UserFactory()
    client.force_login(rider)
    url = reverse("deliberation:topic_new", args=[stations.pk]) + f"?site={site.uuid}"
    form = client.get(url).context["form"]
    assert form.initial == {
        "title": "骑手在紫金港花园送件困难",
        "description": "骑手对紫金港花园（西湖区三墩镇紫金港路88号）的通行评价偏低：进门1.0（满分5分），"
        "最近十二个月共 3 条评价。希望请物业一起来议事。",
    }
    response = client.post(url, {"title": form.initial["title"], "description": form.initial["description"]})
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert (topic.station, topic.site, topic.raised_by) == (stations, site, rider)
    assert site.name in client.get(reverse("deliberation:topic_detail", args=[topic.pk])).content.decode()


@pytest.mark.parametrize("count, score", [(2, 1), (3, 3)])
def test_no_link_while_ratings_are_few_or_not_low(client, site, stations, count, score):
    rate(site, count, score)
    page = client.get(reverse("delivery:site", args=[site.uuid]))
    assert page.context["station"] is None
    assert "/raise/?site=" not in page.content.decode()


def test_a_bad_site_id_raises_a_plain_topic(client, stations):
    client.force_login(UserFactory())
    url = reverse("deliberation:topic_new", args=[stations.pk]) + "?site=not-a-uuid"
    assert client.get(url).context["form"].initial == {}
