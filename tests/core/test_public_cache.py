"""Public data cached in Redis until it changes (core.public_cache, issue 23): a change shows at once."""

import re
from unittest import mock

import pytest
import redis
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from core import public_cache
from services.models import Service
from services.selectors import CATALOGUE
from tests.factories import UserFactory
from tests.governance.factories import category
from tests.services.factories import ScenarioFactory, ServiceAtPointFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_hsds_lists_are_served_from_the_cache_until_a_service_changes(client, django_assert_num_queries):
    service = ServiceFactory(name="热水驿站")
    first = client.get("/api/hsds/services").json()
    assert [row["name"] for row in first["contents"]] == ["热水驿站"]
    with django_assert_num_queries(0):
        assert client.get("/api/hsds/services").json() == first

    service.name = "暖心驿站"
    service.save()
    assert [row["name"] for row in client.get("/api/hsds/services").json()["contents"]] == ["暖心驿站"]
    ServiceFactory(name="法律援助", organization=service.organization)
    assert [row["name"] for row in client.get("/api/hsds/services").json()["contents"]] == [
        "暖心驿站",
        "法律援助",
    ]
    Service.objects.get(name="法律援助").delete()
    assert [row["name"] for row in client.get("/api/hsds/services").json()["contents"]] == ["暖心驿站"]


def test_an_organisation_edit_shows_in_the_cached_hsds_lists_at_once(client):
    service = ServiceFactory()
    client.get("/api/hsds/organizations")
    client.get("/api/hsds/services")
    service.organization.name = "西湖区总工会"
    service.organization.save()
    assert [row["name"] for row in client.get("/api/hsds/organizations").json()["contents"]] == [
        "西湖区总工会"
    ]
    assert client.get("/api/hsds/services").json()["contents"][0]["organization"]["name"] == "西湖区总工会"


def test_a_new_link_between_a_service_and_a_point_shows_at_once(client):
    service = ServiceFactory()
    assert client.get("/api/hsds/service_at_locations").json()["total_items"] == 0
    ServiceAtPointFactory(service=service)
    assert client.get("/api/hsds/service_at_locations").json()["total_items"] == 1


def test_each_page_and_filter_is_cached_on_its_own_and_a_search_is_not_cached(
    client, django_assert_num_queries
):
    services = ServiceFactory.create_batch(3)
    assert (
        client.get("/api/hsds/services?per_page=2&page=2").json()["contents"][0]["name"] == services[2].name
    )
    with django_assert_num_queries(0):
        client.get("/api/hsds/services?per_page=2&page=2")
    client.get(f"/api/hsds/services?search={services[0].name}")
    with django_assert_num_queries(2):  # the count and the page, every time
        response = client.get(f"/api/hsds/services?search={services[0].name}")
    assert [row["name"] for row in response.json()["contents"]] == [services[0].name]


def test_a_bad_parameter_is_refused_every_time_not_cached(client):
    for _ in range(2):
        response = client.get("/api/hsds/services?page=0")
        assert response.status_code == 400


def test_open311_services_follow_a_category_change_at_once(client, django_assert_num_queries):
    road = category("road")
    codes = [row["service_code"] for row in client.get("/open311/v2/services.json").json()]
    assert "road" in codes
    with django_assert_num_queries(0):
        assert [row["service_code"] for row in client.get("/open311/v2/services.json").json()] == codes

    road.name_zh = "道路与交通"
    road.save()
    (row,) = [row for row in client.get("/open311/v2/services.json").json() if row["service_code"] == "road"]
    assert row["service_name"] == "道路与交通"
    road.is_active = False
    road.save()
    assert "road" not in [row["service_code"] for row in client.get("/open311/v2/services.json").json()]


def test_open311_services_are_cached_per_language(client):
    category("road")
    chinese = client.get("/open311/v2/services.json").json()
    english = client.get("/open311/v2/services.json", headers={"accept-language": "en"}).json()
    assert {row["service_name"] for row in chinese if row["service_code"] == "road"} == {"道路交通隐患"}
    assert {row["service_name"] for row in english if row["service_code"] == "road"} == {
        "Road and traffic hazards"
    }


def test_the_home_page_scenario_tiles_follow_a_rename_at_once(client, django_assert_num_queries):
    scenario = ScenarioFactory(name_zh="爱心驿站")
    assert "爱心驿站" in client.get(reverse("home")).content.decode()
    with django_assert_num_queries(0):
        client.get(reverse("home"))
    scenario.name_zh = "暖心驿站"
    scenario.save()
    page = client.get(reverse("home")).content.decode()
    assert "暖心驿站" in page and "爱心驿站" not in page


@pytest.mark.django_db(transaction=True)
def test_what_another_request_cached_while_the_change_was_uncommitted_is_not_read_after_commit():
    service = ServiceFactory(name="热水驿站")
    with transaction.atomic():
        service.name = "暖心驿站"
        service.save()
        # A concurrent request, which still reads the committed data, caches the old value...
        assert public_cache.cached(CATALOGUE, "probe", lambda: "热水驿站") == "热水驿站"
    # ...under a generation that the commit has left behind.
    assert public_cache.cached(CATALOGUE, "probe", lambda: "暖心驿站") == "暖心驿站"


def test_with_redis_unreachable_the_value_is_computed():
    class Unreachable:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise redis.exceptions.ConnectionError("Connection refused")

            return fail

    with mock.patch.object(public_cache, "cache", Unreachable()):
        assert public_cache.cached(CATALOGUE, "probe", lambda: "算出") == "算出"
        public_cache.changed(CATALOGUE)  # logged, not raised


# --- Whole pages for visitors who are not logged in (public_cache.anonymous_page) ----------------


def drawn(view_module: str):
    """Counts the renders of a view module's pages (a page served from the cache is not drawn)."""
    from django.shortcuts import render

    return mock.patch(f"{view_module}.render", wraps=render)


def csrf_value(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def test_the_home_page_is_drawn_once_for_visitors_and_each_gets_a_token_of_their_own(client):
    ScenarioFactory(name_zh="爱心驿站")
    with drawn("core.views") as render:
        first = client.get(reverse("home"))
        other = Client(enforce_csrf_checks=True)
        second = other.get(reverse("home"))
    assert render.call_count == 1
    first_page, second_page = first.content.decode(), second.content.decode()
    assert "爱心驿站" in second_page and "{csrf-token}" not in second_page
    assert csrf_value(first_page) != csrf_value(second_page)
    assert first_page.replace(csrf_value(first_page), "") == second_page.replace(csrf_value(second_page), "")
    assert second.cookies["csrftoken"].value
    # The cached page's form works: the language switch accepts its token.
    switched = other.post(
        reverse("set_language"),
        {"csrfmiddlewaretoken": csrf_value(second_page), "language": "en", "next": "/"},
    )
    assert (switched.status_code, switched["Location"]) == (302, "/")


def test_a_catalogue_change_shows_at_once_on_the_cached_pages(client):
    scenario = ScenarioFactory(name_zh="爱心驿站")
    for url in (reverse("home"), reverse("services:index")):
        assert "爱心驿站" in client.get(url).content.decode()
    scenario.name_zh = "暖心驿站"
    scenario.save()
    for url in (reverse("home"), reverse("services:index")):
        page = client.get(url).content.decode()
        assert "暖心驿站" in page and "爱心驿站" not in page


def test_each_language_has_its_own_page(client):
    ScenarioFactory(name_zh="爱心驿站", name_en="Caring station")
    chinese = client.get(reverse("services:index")).content.decode()
    english = client.get(reverse("services:index"), headers={"accept-language": "en"}).content.decode()
    assert "爱心驿站" in chinese and "Caring station" not in chinese
    assert "Caring station" in english and "爱心驿站" not in english


def test_logged_in_people_query_strings_and_messages_are_drawn_every_time(client):
    client.get(reverse("services:index"))
    worker_client = Client()
    worker_client.force_login(UserFactory())
    with drawn("services.views") as render:
        page = worker_client.get(reverse("services:index")).content.decode()
        client.get(reverse("services:index") + "?from=tile")
        client.get(reverse("services:index") + "?from=tile")
    assert render.call_count == 3
    assert 'class="inbox-link"' in page  # the worker's own header, not the visitor's page

    # A message for this visitor (the cookie storage's own encoding) is shown once, then the page
    # is the cached one again.
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[storage.cookie_name] = storage._encode([Message(constants.SUCCESS, "你已退出登录。")])
    assert "你已退出登录。" in client.get(reverse("services:index")).content.decode()
    assert "你已退出登录。" not in client.get(reverse("services:index")).content.decode()


def test_with_redis_unreachable_the_page_is_drawn(client):
    class Unreachable:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise redis.exceptions.ConnectionError("Connection refused")

            return fail

    ScenarioFactory(name_zh="爱心驿站")
    with mock.patch.object(public_cache, "cache", Unreachable()), drawn("services.views") as render:
        assert "爱心驿站" in client.get(reverse("services:index")).content.decode()
        assert "爱心驿站" in client.get(reverse("services:index")).content.decode()
    assert render.call_count == 2
