"""The HSDS 3.0 API: responses validated against the official schemas, filters, paging, proximity."""

import datetime as dt
import json
import uuid
from pathlib import Path

import jsonschema
import pytest
from django.utils import timezone
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from services.api import hsds
from services.models import Service
from tests.services.factories import (
    OrganizationFactory,
    PointFactory,
    ScenarioFactory,
    ServiceAtPointFactory,
    ServiceFactory,
    closed_on,
    open_daily,
)

pytestmark = pytest.mark.django_db

# The official HSDS 3.0 schemas (Open Referral, CC BY-SA 4.0), vendored so the test runs in any clone:
# the per-object schemas with their relative $refs, the small compiled list schemas, and openapi.json.
SPECS = Path(__file__).parent / "hsds-3.0"
API = "/api/hsds"
PAGE_KEYS = [
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
]


def _registry() -> Registry:
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012))
        for path in SPECS.glob("*.json")
    ]
    return Registry().with_resources(resources)


def validator(name: str) -> jsonschema.Draft202012Validator:
    compiled = SPECS / "compiled" / f"{name}.json"
    schema = json.loads((compiled if compiled.exists() else SPECS / f"{name}.json").read_text())
    return jsonschema.Draft202012Validator(
        schema, registry=_registry(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def assert_valid(instance, name: str) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def assert_page(body: dict, *, total: int, page: int = 1, size: int | None = None) -> None:
    assert list(body) == PAGE_KEYS
    # The page object of HSDS 3.0's OpenAPI (components/schemas/Page).
    page_schema = json.loads((SPECS / "openapi.json").read_text())["components"]["schemas"]["Page"]
    jsonschema.validate({k: v for k, v in body.items() if k != "contents"}, page_schema)
    assert body["total_items"] == total
    assert body["page_number"] == page
    assert body["size"] == (len(body["contents"]) if size is None else size)


@pytest.fixture
def directory():
    rest = ScenarioFactory(code="rest", name_zh="暖心驿站", name_en="Rest stations", order=5)
    legal = ScenarioFactory(code="legal", name_zh="法律援助", name_en="Legal aid", order=3)
    union = OrganizationFactory(
        name="西湖区总工会", phone="0571-87000001", website="https://union.example.org"
    )
    justice = OrganizationFactory(name="法律援助中心")
    station = open_daily(
        PointFactory(
            organization=union,
            name="西溪天街驿站",
            latitude=30.2831,
            longitude=120.0948,
            phone="0571-88110001",
            amenities=["charging", "water"],
        ),
        "10:00",
        "02:00",
    )
    closed_on(station, dt.date(2027, 2, 6), "春节")
    far = PointFactory(organization=union, name="之江驿站", latitude=30.1603, longitude=120.1051)
    office = PointFactory(organization=justice, name="法律援助中心", latitude=30.2835, longitude=120.1090)
    warm = ServiceFactory(
        scenario=rest, organization=union, name="暖心驿站", cost="免费", eligibility="户外劳动者"
    )
    advice = ServiceFactory(
        scenario=legal, organization=justice, name="免费法律咨询", how_to_get="到中心当面咨询"
    )
    ServiceAtPointFactory(service=warm, point=station)
    ServiceAtPointFactory(service=warm, point=far)
    ServiceAtPointFactory(service=advice, point=office)
    return {
        "rest": rest,
        "legal": legal,
        "union": union,
        "justice": justice,
        "warm": warm,
        "advice": advice,
        "station": station,
        "far": far,
        "office": office,
    }


def test_root_names_the_version_and_profile(client):
    body = client.get(f"{API}/").json()
    assert body == {
        "version": "3.0",
        "profile": "https://docs.openreferral.org/en/v3.0/hsds/",
        "openapi_url": "http://testserver/api/schema/",
    }


def test_service_list_validates_and_pages(client, directory, django_assert_num_queries):
    # The count, the page (organisation joined): whatever the page size.
    with django_assert_num_queries(2):
        body = client.get(f"{API}/services", {"per_page": 1}).json()
    assert_page(body, total=2)
    assert (body["total_pages"], body["first_page"], body["last_page"], body["empty"]) == (
        2,
        True,
        False,
        False,
    )
    for item in body["contents"]:
        assert_valid(item, "service_list")
    second = client.get(f"{API}/services", {"per_page": 1, "page": 2}).json()
    assert (second["page_number"], second["last_page"]) == (2, True)
    assert {body["contents"][0]["id"], second["contents"][0]["id"]} == {
        str(directory["warm"].uuid),
        str(directory["advice"].uuid),
    }
    beyond = client.get(f"{API}/services", {"page": 9}).json()
    assert (beyond["empty"], beyond["size"], beyond["contents"]) == (True, 0, [])


def test_service_detail_is_fully_nested_and_valid(client, directory, django_assert_num_queries):
    warm = directory["warm"]
    # The service (organisation and scenario joined), its places (with their
    # organisation), their weekly hours, their dated exceptions.
    with django_assert_num_queries(4):
        response = client.get(f"{API}/services/{warm.uuid}")
    body = response.json()
    assert_valid(body, "service")
    assert body["id"] == str(warm.uuid)
    assert body["organization"]["id"] == str(directory["union"].uuid)
    assert body["fees_description"] == "免费"
    assert body["eligibility_description"] == "户外劳动者"
    assert body["attributes"][0]["taxonomy_term_id"] == str(directory["rest"].uuid)
    assert body["attributes"][0]["taxonomy_term"]["name"] == "暖心驿站"
    locations = {sal["location"]["name"]: sal["location"] for sal in body["service_at_locations"]}
    assert set(locations) == {"西溪天街驿站", "之江驿站"}
    station = locations["西溪天街驿站"]
    assert (station["latitude"], station["longitude"]) == (30.2831, 120.0948)
    assert station["phones"][0]["number"] == "0571-88110001"
    assert [a["value"] for a in station["attributes"]] == ["charging", "water"]
    weekly, holiday = station["schedules"]
    assert (weekly["byday"], weekly["opens_at"], weekly["closes_at"], weekly["freq"]) == (
        "MO,TU,WE,TH,FR,SA,SU",
        "10:00",
        "02:00",
        "WEEKLY",
    )
    assert weekly["description"] == "Open overnight: closes the next day."
    assert (holiday["valid_from"], holiday["valid_to"], holiday["description"]) == (
        "2027-02-06",
        "2027-02-06",
        "Closed: 春节",
    )
    assert station["addresses"][0]["country"] == "CN"
    # Ids are stable from one request to the next, and none is a primary key.
    assert client.get(f"{API}/services/{warm.uuid}").json() == body
    assert str(warm.pk) not in {body["id"], station["id"]}


def test_unknown_ids_answer_404(client, directory):
    missing = uuid.uuid4()
    for path in ("services", "organizations", "service_at_locations"):
        response = client.get(f"{API}/{path}/{missing}")
        assert response.status_code == 404
        assert response.json() == {"message": "未找到。", "extra": {}}
    assert client.get(f"{API}/services/{directory['warm'].pk}").status_code == 404  # a primary key is no id


def test_filters_by_taxonomy_term_organisation_search_and_modified_after(client, directory):
    def names(**params):
        return sorted(s["name"] for s in client.get(f"{API}/services", params).json()["contents"])

    assert names(taxonomy_term_id=str(directory["legal"].uuid)) == ["免费法律咨询"]
    assert names(organization_id=str(directory["union"].uuid)) == ["暖心驿站"]
    assert names(search="法律") == ["免费法律咨询"]
    Service.objects.filter(pk=directory["advice"].pk).update(
        updated_at=timezone.now() - dt.timedelta(days=30)
    )
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert names(modified_after=since) == ["暖心驿站"]
    assert names(modified_after=(timezone.now() - dt.timedelta(days=60)).date().isoformat()) == [
        "免费法律咨询",
        "暖心驿站",
    ]


def test_proximity_filter_on_services_and_service_at_locations(client, directory):
    near_jiangcun = {"lat": 30.2830, "lng": 120.0950, "radius": 1}
    services = client.get(f"{API}/services", near_jiangcun).json()["contents"]
    assert [s["name"] for s in services] == ["暖心驿站"]  # the legal office is 1.345 km away
    wider = client.get(f"{API}/service_at_locations", {**near_jiangcun, "radius": 2}).json()
    assert_page(wider, total=2)
    for item in wider["contents"]:
        assert_valid(item, "service_at_location")
    assert [(i["location"]["name"], i["distance_km"]) for i in wider["contents"]] == [
        ("西溪天街驿站", 0.022),
        ("法律援助中心", 1.345),
    ]
    everything = client.get(f"{API}/service_at_locations", {**near_jiangcun, "radius": 20}).json()
    assert [i["location"]["name"] for i in everything["contents"]] == [
        "西溪天街驿站",
        "法律援助中心",
        "之江驿站",
    ]


def test_organizations_and_taxonomies_validate(client, directory):
    orgs = client.get(f"{API}/organizations").json()
    assert_page(orgs, total=2)
    for item in orgs["contents"]:
        assert_valid(item, "organization_list")
    union = client.get(f"{API}/organizations/{directory['union'].uuid}").json()
    assert_valid(union, "organization")
    assert [s["name"] for s in union["services"]] == ["暖心驿站"]
    taxonomies = client.get(f"{API}/taxonomies").json()
    assert_page(taxonomies, total=1)
    assert taxonomies["contents"][0]["id"] == str(hsds.TAXONOMY_ID)
    terms = client.get(f"{API}/taxonomy_terms").json()
    assert_page(terms, total=2)
    assert [(t["code"], t["name"], t["taxonomy_id"]) for t in terms["contents"]] == [
        ("legal", "法律援助", str(hsds.TAXONOMY_ID)),
        ("rest", "暖心驿站", str(hsds.TAXONOMY_ID)),
    ]
    # The term schema is not compiled on its own; check it against its source table schema.
    term_schema = json.loads((SPECS / "taxonomy_term.json").read_text())
    for term in terms["contents"]:
        jsonschema.validate(term, term_schema, format_checker=jsonschema.FormatChecker())
    assert client.get(f"{API}/taxonomy_terms", {"taxonomy_id": str(uuid.uuid4())}).json()["total_items"] == 0


@pytest.mark.parametrize(
    "path, params, field, message",
    [
        ("services", {"page": "0"}, "page", "page must be a whole number from 1 to 1,000,000."),
        ("services", {"per_page": "x"}, "per_page", "per_page must be a whole number from 1 to 1,000,000."),
        ("services", {"taxonomy_term_id": "rest"}, "taxonomy_term_id", "taxonomy_term_id must be a UUID."),
        (
            "organizations",
            {"modified_after": "yesterday"},
            "modified_after",
            "modified_after must be an ISO 8601 date or date-time, e.g. 2026-03-01T08:00:00+08:00.",
        ),
        (
            "service_at_locations",
            {"lat": "30.28"},
            "lat",
            "lat and lng must be given together, as decimal degrees (WGS-84); radius in km, at most 100.",
        ),
        (
            "service_at_locations",
            {"lat": "30.28", "lng": "120.09", "radius": "500"},
            "lat",
            "lat and lng must be given together, as decimal degrees (WGS-84); radius in km, at most 100.",
        ),
    ],
)
def test_bad_parameters_are_a_clear_400(client, directory, path, params, field, message):
    response = client.get(f"{API}/{path}", params)
    assert response.status_code == 400
    assert response.json() == {
        "message": "输入有误：请查看“extra”中列出的字段。",
        "extra": {"fields": {field: [message]}},
    }


def test_per_page_is_capped(client, directory):
    body = client.get(f"{API}/services", {"per_page": 10_000}).json()
    assert body["total_pages"] == 1 and body["size"] == 2


def test_the_api_is_public_and_read_only(client, directory):
    assert client.get(f"{API}/services").status_code == 200
    assert client.post(f"{API}/services", {}).status_code == 405
    assert client.delete(f"{API}/services/{directory['warm'].uuid}").status_code == 405


def test_service_at_locations_query_count_does_not_grow(client, directory, django_assert_num_queries):
    for _ in range(30):
        ServiceAtPointFactory(
            service=directory["warm"], point=open_daily(PointFactory(latitude=30.28, longitude=120.09))
        )
    # The count, the page (service, place and their organisations joined),
    # the places' weekly hours, their dated exceptions.
    with django_assert_num_queries(4):
        body = client.get(
            f"{API}/service_at_locations", {"lat": 30.2830, "lng": 120.0950, "radius": 5}
        ).json()
    assert body["total_items"] == 32 and body["size"] == 32
    with django_assert_num_queries(4):
        client.get(f"{API}/service_at_locations", {"per_page": 5})
