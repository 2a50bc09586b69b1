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
RADIUS = "radius must be a number of km above 0 and at most 100, given with lat and lng."
UNION_PLACEHOLDER = "{union}"
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
        ("service_at_locations", {"lat": "30.28"}, "lat", "lat and lng must be given together, as decimal degrees (WGS-84)."),
        ("service_at_locations", {"lat": "91", "lng": "120.09"}, "lat", "lat and lng must be given together, as decimal degrees (WGS-84)."),
        ("service_at_locations", {"lat": "30.28", "lng": "120.09", "radius": "500"}, "radius", RADIUS),
        ("services", {"lat": "30.28", "lng": "120.09", "radius": "0"}, "radius", RADIUS),
        ("services", {"lat": "30.28", "lng": "120.09", "radius": "NaN"}, "radius", RADIUS),
        ("services", {"lat": "30.28", "lng": "120.09", "radius": "far"}, "radius", RADIUS),
        ("services", {"radius": "3"}, "radius", RADIUS),
        ("services", {"taxonomy_id": "friendly"}, "taxonomy_id", "taxonomy_id must be a UUID."),
        ("services", {"full": "yes"}, "full", "full must be true or false."),
        ("services", {"minimal": "1"}, "minimal", "minimal must be true or false."),
        ("services", {"minimal": "true", "per_page": "5"}, "minimal", "minimal lists every service at once: it takes no page, per_page, full or format."),
        ("services", {"format": "xml"}, "format", "format must be json or ndjson."),
        ("services", {"format": "ndjson", "page": "2"}, "format", "format=ndjson streams every record: it takes no page or per_page."),
        ("organizations", {"full_service": "TRUE!"}, "full_service", "full_service must be true or false."),
        (f"organizations/{UNION_PLACEHOLDER}", {"full_service": "no"}, "full_service", "full_service must be true or false."),
        ("taxonomy_terms", {"top_only": "maybe"}, "top_only", "top_only must be true or false."),
        ("taxonomy_terms", {"parent_id": "root"}, "parent_id", "parent_id must be a UUID."),
        ("service_at_locations", {"proximity": "1000"}, "proximity", "proximity needs postcode: it counts metres from the centroid of that postcode."),
        ("service_at_locations", {"postcode": "31001"}, "postcode", "postcode must be a six-digit Chinese postal code, e.g. 310012."),
        ("service_at_locations", {"postcode": "310012", "proximity": "0"}, "proximity", "proximity must be a whole number of metres from 1 to 100,000."),
        ("service_at_locations", {"postcode": "310012", "proximity": "1e3"}, "proximity", "proximity must be a whole number of metres from 1 to 100,000."),
        ("service_at_locations", {"postcode": "310012", "lat": "30.28", "lng": "120.09"}, "postcode", "postcode and lat/lng are two ways to say where: give one."),
    ],
)  # fmt: skip
def test_bad_parameters_are_a_clear_400(client, directory, path, params, field, message):
    path = path.replace(UNION_PLACEHOLDER, str(directory["union"].uuid))
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


# --- Every path and parameter of the official openapi.json ------------------------------------------

OPENAPI = json.loads((SPECS / "openapi.json").read_text())


def spec_parameters(path: str) -> set[str]:
    """The query parameters openapi.json gives a path."""
    names = set()
    for parameter in OPENAPI["paths"][path]["get"].get("parameters", []):
        if "$ref" in parameter:
            parameter = OPENAPI["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] == "query":
            names.add(parameter["name"])
    return names


# Ours beyond openapi.json: the proximity extension and modified_after on organizations.
EXTENSIONS = {
    "/services": {"lat", "lng", "radius"},
    "/service_at_locations": {"lat", "lng", "radius"},
    "/organizations": {"modified_after"},
}


def test_every_path_of_openapi_json_is_served_with_its_parameters(client, directory):
    from services.api import urls

    served = {
        "/" + str(pattern.pattern).replace("<uuid:", "{").split("{")[0] + ("{id}" if "<uuid" in str(pattern.pattern) else ""): pattern
        for pattern in urls.urlpatterns
    }  # fmt: skip
    assert set(OPENAPI["paths"]) == set(served)
    for path, pattern in served.items():
        view = pattern.callback.view_class
        assert view.parameters == spec_parameters(path) | EXTENSIONS.get(path, set()), path


@pytest.mark.parametrize(
    "path, name",
    [
        ("services", "color"), ("services", "postcode"), ("organizations", "taxonomy_id"),
        ("taxonomies", "taxonomy_id"), ("taxonomy_terms", "full"), ("service_at_locations", "minimal"),
    ],
)  # fmt: skip
def test_a_parameter_a_path_does_not_take_is_a_400_naming_it(client, directory, path, name):
    response = client.get(f"{API}/{path}", {name: "x"})
    view = __import__("django.urls", fromlist=["resolve"]).resolve(f"{API}/{path}").func.view_class
    assert (response.status_code, response.json()) == (
        400,
        {
            "message": "输入有误：请查看“extra”中列出的字段。",
            "extra": {
                "fields": {
                    name: [
                        f"{name} is not a parameter of this path; it takes: {', '.join(sorted(view.parameters))}."
                    ]
                }
            },
        },
    )


def test_a_detail_path_takes_no_parameters(client, directory):
    response = client.get(f"{API}/services/{directory['warm'].uuid}", {"full": "true"})
    assert (response.status_code, response.json()["extra"]) == (
        400,
        {"fields": {"full": ["full is not a parameter of this path; it takes: no parameters."]}},
    )


def test_a_taxonomy_and_a_term_by_id(client, directory, django_assert_num_queries):
    with django_assert_num_queries(0):
        taxonomy = client.get(f"{API}/taxonomies/{hsds.TAXONOMY_ID}").json()
    assert taxonomy == hsds.taxonomy()
    assert_valid(taxonomy, "taxonomy")
    with django_assert_num_queries(1):
        term = client.get(f"{API}/taxonomy_terms/{directory['legal'].uuid}").json()
    assert term == {
        "id": str(directory["legal"].uuid), "code": "legal", "name": "法律援助",
        "description": directory["legal"].description_zh or "Legal aid", "taxonomy": hsds.TAXONOMY_NAME,
        "taxonomy_id": str(hsds.TAXONOMY_ID), "language": "zh", "metadata": [],
    }  # fmt: skip
    jsonschema.validate(term, json.loads((SPECS / "taxonomy_term.json").read_text()))
    for path in ("taxonomies", "taxonomy_terms"):
        response = client.get(f"{API}/{path}/{uuid.uuid4()}")
        assert (response.status_code, response.json()) == (404, {"message": "未找到。", "extra": {}})
    directory["legal"].is_active = False
    directory["legal"].save(update_fields=["is_active"])
    assert client.get(f"{API}/taxonomy_terms/{directory['legal'].uuid}").status_code == 404


def test_taxonomy_id_filters_services_and_places(client, directory):
    for path in ("services", "service_at_locations"):
        ours = client.get(f"{API}/{path}", {"taxonomy_id": str(hsds.TAXONOMY_ID)}).json()
        assert_page(ours, total=2 if path == "services" else 3)
        unknown = client.get(f"{API}/{path}", {"taxonomy_id": str(uuid.uuid4())}).json()
        assert_page(unknown, total=0)
        assert (unknown["contents"], unknown["empty"]) == ([], True)


def test_terms_by_parent_and_top_only(client, directory):
    def codes(**params):
        body = client.get(f"{API}/taxonomy_terms", params).json()
        assert_page(body, total=len(body["contents"]))
        return [term["code"] for term in body["contents"]]

    assert codes(top_only="true") == codes(top_only="false") == codes() == ["legal", "rest"]
    assert codes(parent_id=str(directory["legal"].uuid)) == []  # our terms are one flat level
    assert codes(search="Legal") == ["legal"]
    taxonomies = client.get(f"{API}/taxonomies", {"search": "no such taxonomy"}).json()
    assert_page(taxonomies, total=0)


def test_postcode_and_proximity_on_service_at_locations(client, directory):
    from services.models import ServicePoint

    ServicePoint.objects.filter(pk__in=[directory["station"].pk, directory["office"].pk]).update(
        postal_code="310012"
    )

    def places(**params):
        body = client.get(f"{API}/service_at_locations", params).json()
        for item in body["contents"]:
            assert_valid(item, "service_at_location")
        return [(i["location"]["name"], i.get("distance_km")) for i in body["contents"]]

    assert places(postcode="310012") == [("西溪天街驿站", None), ("法律援助中心", None)]
    assert places(postcode="999999") == []
    # The centroid of 310012 lies midway between the two, 0.682 km from each (the office a few metres nearer).
    assert places(postcode="310012", proximity="500") == []
    assert places(postcode="310012", proximity="1000") == [("法律援助中心", 0.682), ("西溪天街驿站", 0.682)]
    assert places(postcode="999999", proximity="100000") == []
    assert [name for name, _ in places(postcode="310012", proximity="100000")] == [
        "法律援助中心",
        "西溪天街驿站",
        "之江驿站",
    ]


def test_minimal_lists_every_service_id_and_modification(client, directory, django_assert_num_queries):
    with django_assert_num_queries(1):
        body = client.get(f"{API}/services", {"minimal": "true"}).json()
    assert body == [
        {"id": str(service.uuid), "last_modified": service.updated_at.isoformat()}
        for service in sorted([directory["warm"], directory["advice"]], key=lambda s: s.pk)
    ]
    assert client.get(f"{API}/services", {"minimal": "false"}).json()["total_items"] == 2


def test_full_services_organizations_and_places_validate(client, directory, django_assert_num_queries):
    # The count, the page, the services' places, their weekly hours, their exceptions.
    with django_assert_num_queries(5):
        services = client.get(f"{API}/services", {"full": "true"}).json()
    assert_page(services, total=2)
    for item in services["contents"]:
        assert_valid(item, "service")
    by_id = {item["id"]: item for item in services["contents"]}
    assert by_id[str(directory["warm"].uuid)] == client.get(f"{API}/services/{directory['warm'].uuid}").json()
    # The count, the page, the organisations' services.
    with django_assert_num_queries(3):
        organizations = client.get(f"{API}/organizations", {"full": "true"}).json()
    for item in organizations["contents"]:
        assert_valid(item, "organization")
    union = next(item for item in organizations["contents"] if item["name"] == "西湖区总工会")
    assert [s["name"] for s in union["services"]] == ["暖心驿站"]
    assert "service_at_locations" not in union["services"][0]
    # ... and with full_service, each service's places, hours and exceptions too.
    with django_assert_num_queries(6):
        organizations = client.get(f"{API}/organizations", {"full_service": "true"}).json()
    union = next(item for item in organizations["contents"] if item["name"] == "西湖区总工会")
    assert_valid(union, "organization")
    assert len(union["services"][0]["service_at_locations"]) == 2
    assert "organization" not in union["services"][0]
    detail = client.get(f"{API}/organizations/{directory['union'].uuid}", {"full_service": "true"}).json()
    assert detail == union
    places = client.get(f"{API}/service_at_locations", {"full": "true"}).json()
    for item in places["contents"]:
        assert_valid(item, "service_at_location")
        assert item["service"]["organization"]["id"] == item["service"]["organization_id"]


def test_ndjson_streams_every_record_without_paging(client, directory, django_assert_num_queries):
    for number in range(60):  # more than a default page of 50
        ServiceFactory(scenario=directory["rest"], organization=directory["union"], name=f"驿站服务{number}")
    # One query, read in chunks: no count, no page.
    with django_assert_num_queries(1):
        response = client.get(f"{API}/services", {"format": "ndjson"})
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert (response.status_code, response["Content-Type"]) == (200, "application/x-ndjson")
    records = [json.loads(line) for line in lines]
    assert len(records) == 62 == Service.objects.count()
    for record in records:
        assert_valid(record, "service_list")
    assert [r["id"] for r in records] == [str(s.uuid) for s in Service.objects.order_by("id")]
    full = [json.loads(line) for line in b"".join(
        client.get(f"{API}/services", {"format": "ndjson", "full": "true", "taxonomy_term_id": str(directory["legal"].uuid)}).streaming_content
    ).decode().splitlines()]  # fmt: skip
    assert [r["name"] for r in full] == ["免费法律咨询"]
    assert_valid(full[0], "service")
    for path, schema in (
        ("organizations", "organization_list"),
        ("service_at_locations", "service_at_location"),
    ):
        streamed = b"".join(client.get(f"{API}/{path}", {"format": "ndjson"}).streaming_content).decode()
        for line in streamed.splitlines():
            assert_valid(json.loads(line), schema)
    terms = b"".join(client.get(f"{API}/taxonomy_terms", {"format": "ndjson"}).streaming_content).decode()
    assert [json.loads(line)["code"] for line in terms.splitlines()] == ["legal", "rest"]
    taxonomies = b"".join(client.get(f"{API}/taxonomies", {"format": "ndjson"}).streaming_content).decode()
    assert taxonomies == json.dumps(hsds.taxonomy(), ensure_ascii=False) + "\n"
    assert client.get(f"{API}/services", {"format": "json"}).json()["total_items"] == 62
