"""Open311 GeoReport v2 conformance: the spec's field names, formats, limits and errors."""

from datetime import timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from governance import actions
from governance.models import ApiKey, Report
from tests.governance.factories import category, clean_photo

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}  # fmt: skip


@pytest.fixture
def api_key(grid_admin):
    _key, raw = actions.apikey_issue(name="12345 市民热线", acting_user=grid_admin)
    return raw


@pytest.fixture
def accepted_report(member, grid_admin, grid):
    report, _ = actions.report_submit(
        reporter=member, category=category("road"), lat=Decimal("30.2831"), lng=Decimal("120.0951"),
        photos=[clean_photo()], address="龙湖天街东门", description="井盖缺失",
    )  # fmt: skip
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    return Report.objects.get(pk=report.pk)


def parse_xml(content: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(content)  # noqa: S314 (our own responses)


def iso(moment):
    return timezone.localtime(moment).isoformat(timespec="seconds")


def test_discovery(client):
    response = client.get(BASE + "discovery.json")
    assert response.status_code == 200
    assert response.json() == {
        "changeset": "2026-11-29T00:00:00+08:00",
        "contact": "Xihu District grid office (西湖区网格管理办公室), via the Xiaoge portal",
        "key_service": "API keys for POST are issued by the district's grid admins in the portal's admin.",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": "http://testserver/open311/v2/",
                "changeset": "2026-11-29T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    xml = parse_xml(client.get(BASE + "discovery.xml").content)
    assert xml.tag == "discovery"
    assert [f.text for f in xml.find("endpoints/endpoint/formats")] == ["application/json", "text/xml"]


def test_services_list_every_active_category(client):
    response = client.get(BASE + "services.json")
    services = response.json()
    assert [s["service_code"] for s in services] == [
        "road", "facility", "sanitation", "safety", "people", "concerns", "other",
    ]  # fmt: skip
    assert services[0] == {
        "service_code": "road",
        "service_name": "道路交通隐患",
        "description": "井盖缺失、路面塌陷、信号灯故障、违停堵塞",
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "区城管局（市政设施）",
    }
    english = client.get(BASE + "services.json", headers={"accept-language": "en"}).json()
    assert english[0]["service_name"] == "Road and traffic hazards"


def test_services_xml(client):
    response = client.get(BASE + "services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?><services><service>')
    first = parse_xml(response.content).find("service")
    assert (first.findtext("service_code"), first.findtext("metadata")) == ("road", "false")


def test_service_definition(client):
    assert client.get(BASE + "services/road.json").json() == {"service_code": "road", "attributes": []}
    response = client.get(BASE + "services/nope.json")
    assert (response.status_code, response.json()) == (
        404,
        [{"code": 404, "description": "No service with code nope."}],
    )


def test_requests_use_the_spec_field_names_and_zoned_times(client, accepted_report):
    response = client.get(BASE + "requests.json")
    assert response.status_code == 200
    [item] = response.json()
    assert set(item) == REQUEST_FIELDS
    photo = accepted_report.photos.get()
    assert item == {
        "service_request_id": str(accepted_report.pk),
        "status": "open",
        "status_notes": "",
        "service_name": "道路交通隐患",
        "service_code": "road",
        "description": "井盖缺失",
        "agency_responsible": "区城管局（市政设施）",
        "service_notice": "",
        "requested_datetime": iso(accepted_report.created_at),
        "updated_datetime": iso(accepted_report.updated_at),
        "expected_datetime": iso(accepted_report.due_at),
        "address": "龙湖天街东门",
        "address_id": "",
        "zipcode": "",
        "lat": 30.2831,
        "long": 120.0951,
        "media_url": f"http://testserver/grid/photos/{photo.pk}/full/",
    }
    assert item["requested_datetime"].endswith("+08:00")
    assert "reporter" not in response.content.decode()


def test_a_single_request_in_xml(client, accepted_report):
    response = client.get(BASE + f"requests/{accepted_report.pk}.xml")
    root = parse_xml(response.content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert {child.tag for child in request} == REQUEST_FIELDS
    assert request.findtext("service_request_id") == str(accepted_report.pk)
    assert request.findtext("lat") == "30.2831"


def test_missing_request_is_a_404_error_list(client):
    response = client.get(BASE + "requests/424242.json")
    assert (response.status_code, response.json()) == (
        404,
        [{"code": 404, "description": "No service request with id 424242."}],
    )
    xml = parse_xml(client.get(BASE + "requests/424242.xml").content)
    assert (xml.tag, xml.findtext("error/code"), xml.findtext("error/description")) == (
        "errors", "404", "No service request with id 424242.",
    )  # fmt: skip


def test_private_and_unreviewed_reports_need_an_api_key(client, member, grid, api_key):
    report, _ = actions.report_submit(
        reporter=member, category=category("people"), lat=Decimal("30.2831"), lng=Decimal("120.0951"),
        photos=[clean_photo()], description="独居老人",
    )  # fmt: skip
    assert client.get(BASE + "requests.json").json() == []
    assert client.get(BASE + f"requests/{report.pk}.json").status_code == 404
    with_key = client.get(BASE + "requests.json", {"api_key": api_key}).json()
    assert [item["service_request_id"] for item in with_key] == [str(report.pk)]
    assert with_key[0]["media_url"] == ""  # the photo of a private report is never public


@pytest.mark.parametrize(
    "params, description",
    [
        ({"start_date": "2026-01-01"}, "start_date must be an ISO 8601 date-time with a time zone, e.g. 2026-11-01T00:00:00+08:00."),
        ({"end_date": "2026-01-01T00:00:00"}, "end_date must be an ISO 8601 date-time with a time zone, e.g. 2026-11-01T00:00:00+08:00."),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}, "start_date and end_date may span at most 90 days."),
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date must not be before start_date."),
        ({"status": "pending"}, "status must be open, closed, or open,closed."),
    ],
)  # fmt: skip
def test_bad_filters_are_400_errors(client, params, description):
    response = client.get(BASE + "requests.json", params)
    assert (response.status_code, response.json()) == (400, [{"code": 400, "description": description}])


def test_date_status_and_code_filters(client, accepted_report, member, grid_admin):
    old, _ = actions.report_submit(
        reporter=member, category=category("sanitation"), lat=Decimal("30.2831"), lng=Decimal("120.0951"),
        photos=[clean_photo()],
    )  # fmt: skip
    actions.report_accept(report_id=old.pk, acting_user=grid_admin)
    actions.report_resolve(report_id=old.pk, acting_user=grid_admin, note="已清运。")
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))

    def ids(**params):
        return [item["service_request_id"] for item in client.get(BASE + "requests.json", params).json()]

    assert ids() == [str(accepted_report.pk)]  # the default window is the last 90 days
    start = (timezone.now() - timedelta(days=120)).isoformat()
    end = (timezone.now() - timedelta(days=60)).isoformat()
    assert ids(start_date=start, end_date=end) == [str(old.pk)]
    assert ids(start_date=start) == [str(old.pk)]  # start + 90 days
    assert ids(start_date=start, end_date=end, status="closed") == [str(old.pk)]
    assert ids(start_date=start, end_date=end, status="open") == []
    assert ids(service_code="sanitation") == []
    assert ids(service_code="road,sanitation", status="open,closed") == [str(accepted_report.pk)]
    assert ids(service_request_id=f"{old.pk},{accepted_report.pk}") == [str(accepted_report.pk), str(old.pk)]
    closed = client.get(BASE + f"requests/{old.pk}.json").json()[0]
    assert (closed["status"], closed["status_notes"]) == ("closed", "已清运。")


def test_at_most_1000_results(client, member, grid_admin, settings, monkeypatch):
    from governance import open311

    monkeypatch.setattr(open311, "MAX_RESULTS", 3)
    for _ in range(4):
        report, _ = actions.report_submit(
            reporter=member,
            category=category(),
            lat=Decimal("30.2831"),
            lng=Decimal("120.0951"),
            photos=[clean_photo()],
        )
        actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    assert len(client.get(BASE + "requests.json").json()) == 3
    assert open311.MAX_RESULTS == 3 and open311.MAX_DAYS == 90


def post(client, fmt="json", **fields):
    data = {"service_code": "road", "lat": "30.2831", "long": "120.0951", "description": "路面塌陷"}
    data.update(fields)
    return client.post(BASE + f"requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def test_post_needs_an_api_key(client, grid):
    for fields in ({}, {"api_key": "wrong"}):
        response = post(client, **fields)
        assert (response.status_code, response.json()) == (
            403,
            [
                {
                    "code": 403,
                    "description": "api_key is required and must be a valid key issued by the district.",
                }
            ],
        )
    assert Report.objects.count() == 0


def test_a_revoked_key_is_refused(client, api_key, grid_admin):
    actions.apikey_revoke(key_id=ApiKey.objects.get().pk, acting_user=grid_admin)
    assert post(client, api_key=api_key).status_code == 403


def test_post_creates_a_partner_report(client, api_key, grid):
    response = post(client, api_key=api_key, media_url="https://hotline.example.org/p/1.jpg")
    report = Report.objects.get()
    assert (response.status_code, response.json()) == (
        201,
        [{"service_request_id": str(report.pk), "service_notice": "", "account_id": None}],
    )
    assert (report.reporter, report.api_key.name, report.grid, report.department, report.media_url) == (
        None, "12345 市民热线", grid, "区城管局（市政设施）", "https://hotline.example.org/p/1.jpg",
    )  # fmt: skip
    assert ApiKey.objects.get().last_used_at is not None
    assert ApiKey.objects.get().key_hash != api_key


def test_post_with_an_address_only_in_xml(client, api_key):
    response = post(client, "xml", api_key=api_key, lat=None, long=None, address_string="文三路 90 号")
    assert response.status_code == 201
    root = parse_xml(response.content)
    assert root.find("request/service_request_id").text == str(Report.objects.get().pk)
    assert Report.objects.get().address == "文三路 90 号"


@pytest.mark.parametrize(
    "fields, description",
    [
        ({"service_code": None}, "service_code is required."),
        ({"service_code": "nope"}, "service_code nope is not a service of this jurisdiction."),
        ({"lat": None, "long": None}, "A location is required: lat and long, or address_string."),
        ({"lat": "91"}, "lat and long must be decimal WGS-84 coordinates (lat -90..90, long -180..180), given together."),
        ({"long": None}, "lat and long must be decimal WGS-84 coordinates (lat -90..90, long -180..180), given together."),
        ({"lat": "NaN"}, "lat and long must be decimal WGS-84 coordinates (lat -90..90, long -180..180), given together."),
        ({"description": "x" * 1001}, "description must be at most 1000 characters."),
        ({"media_url": "javascript:alert(1)"}, "media_url must be an http or https URL."),
    ],
)  # fmt: skip
def test_post_errors(client, api_key, fields, description):
    response = post(client, api_key=api_key, **fields)
    assert (response.status_code, response.json()) == (400, [{"code": 400, "description": description}])
    assert Report.objects.count() == 0


def test_wrong_method_and_unknown_format(client):
    response = client.delete(BASE + "requests.json")
    assert (response.status_code, response.json()) == (
        405,
        [{"code": 405, "description": "Method DELETE is not allowed here."}],
    )
    assert client.get(BASE + "requests.csv").status_code == 404


@pytest.mark.parametrize("count", [1, 5])
def test_requests_list_queries_do_not_grow(
    client, member, grid_admin, grid, django_assert_num_queries, count
):
    for _ in range(count):
        report, _ = actions.report_submit(
            reporter=member,
            category=category(),
            lat=Decimal("30.2831"),
            lng=Decimal("120.0951"),
            photos=[clean_photo()],
        )
        actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    # the reports with their categories, photos, updates
    with django_assert_num_queries(3):
        assert len(client.get(BASE + "requests.json").json()) == count
