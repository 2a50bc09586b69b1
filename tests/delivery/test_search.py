"""Search by name, alias, address and building; near me. Both read indexes, never a Python loop."""

import pytest
from django.db import connection
from django.urls import reverse

from delivery import selectors
from delivery.models import Site
from tests.delivery.factories import HERE, build_site

pytestmark = pytest.mark.django_db

URL = reverse("delivery:search")


@pytest.fixture
def sites(db):
    return {
        "zjg": build_site(),
        "chengyuan": build_site(
            "西溪诚园", aliases="诚园", address="西湖区蒋村街道文二西路768号", point=(30.2818, 120.0911)
        ),
        "wending": build_site(
            "文鼎苑", aliases="", address="西湖区蒋村街道文一西路1008号", point=(30.2862, 120.0968)
        ),
    }


def names(result) -> list[str]:
    return [site.name for site in result.sites]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("紫金港花园", ["紫金港花园"]),
        ("紫金港", ["紫金港花园"]),
        ("紫金花园", ["紫金港花园"]),  # an alias
        ("紫金港某小区", ["紫金港花园"]),  # a wrong character in the middle: the pieces still match
        ("文二西路768", ["西溪诚园"]),  # the address
        ("蒋村街道", ["文鼎苑", "西溪诚园"]),  # both in 蒋村, by name
        ("诚园", ["西溪诚园"]),
        ("龙湖天街", []),
    ],
)
def test_search_by_name_alias_address_tolerates_partial_chinese(sites, query, expected):
    assert names(selectors.site_search(query=query)) == expected


def test_search_finds_the_building_and_unit_asked_for(sites):
    result = selectors.site_search(query="紫金港某小区 3幢2单元")
    assert names(result) == ["紫金港花园"]
    assert result.ref is not None and (result.ref.number, result.ref.unit) == ("3", 2)
    assert [b.number for b in result.sites[0].buildings_asked] == ["3"]


def test_the_search_page_links_to_the_door(client, sites):
    response = client.get(URL, {"q": "紫金港某小区 3幢2单元"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'href="/delivery/sites/{sites["zjg"].uuid}/?b=3-2"' in body
    assert "3幢 2单元" in body


def test_a_search_without_a_place_says_what_to_type(client, sites):
    for query in ("", "3幢"):
        response = client.get(URL, {"q": query})
        assert response.status_code == 200
        assert "请输入小区、园区或地址，例如：紫金港 3幢2单元。" in response.content.decode()


def test_nothing_found_says_what_to_try(client, sites):
    response = client.get(URL, {"q": "龙湖天街"})
    assert "没有找到。请少输几个字、换一个骑手常用的名字，或输入街道地址。" in response.content.decode()


def test_search_page_query_count_does_not_grow_with_sites(client, django_assert_num_queries, sites):
    for n in range(30):
        build_site(f"紫金港{n}号苑", aliases="", buildings=1, units=1)
    # 1: the matching sites, ranked and limited in SQL; 2: the building asked for among them.
    with django_assert_num_queries(2):
        response = client.get(URL, {"q": "紫金港 3幢"})
    assert len(response.context["result"].sites) == selectors.SEARCH_LIMIT


def test_the_search_reads_the_trigram_index(sites):
    # The planner picks a sequential scan on a tiny table; with it disabled, the GIN index must serve.
    qs = Site.objects.filter(search_text__contains="紫金港")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "site_search_trgm" in plan


def test_near_me_lists_the_nearest_sites_first(client, sites, django_assert_num_queries):
    with django_assert_num_queries(1):  # the box on the (latitude, longitude) index, haversine in SQL
        response = client.get(reverse("delivery:near"), {"lat": HERE[0], "lng": HERE[1] + 0.01})
    listed = response.context["sites"]
    assert [s.name for s in listed] == ["紫金港花园", "文鼎苑", "西溪诚园"]
    assert [round(s.distance_km, 2) for s in listed] == [0.96, 1.6, 2.12]


def test_near_me_without_a_location_asks_for_it_and_lists_nothing(client, sites):
    response = client.get(reverse("delivery:near"), {"lat": "north", "lng": ""})
    assert response.status_code == 200
    assert response.context["sites"] == []
    assert "使用我的位置" in response.content.decode()


def test_two_characters_are_found_through_the_bigram_index(sites):
    assert names(selectors.site_search(query="诚园")) == ["西溪诚园"]
    assert sites["chengyuan"].search_bigrams[:4] == ["西溪", "溪诚", "诚园", "西湖"]
    qs = selectors.sites_matching(text="诚园")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "site_search_bigrams" in plan
