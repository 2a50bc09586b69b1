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
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True)


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
    assert response.content.startswith(
        b'<?xml version="1.0" encoding="utf-8"?><services><service><service_code>road</service_code>'
    )
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


def test_an_empty_request_id_is_a_404_error_list_not_a_page(client):
    response = client.get(BASE + "requests/.json")
    assert (response.status_code, response.json()) == (
        404,
        [{"code": 404, "description": "No service request with id ."}],
    )
    xml = parse_xml(client.get(BASE + "requests/.xml").content)
    assert (xml.tag, xml.findtext("error/code")) == ("errors", "404")


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
        200,
        [{"service_request_id": str(report.pk), "service_notice": "", "account_id": None}],
    )
    assert (report.reporter, report.api_key.name, report.grid, report.department, report.media_url) == (
        None, "12345 市民热线", grid, "区城管局（市政设施）", "https://hotline.example.org/p/1.jpg",
    )  # fmt: skip
    assert ApiKey.objects.get().last_used_at is not None
    assert ApiKey.objects.get().key_hash != api_key


def test_post_with_an_address_only_in_xml(client, api_key):
    response = post(client, "xml", api_key=api_key, lat=None, long=None, address_string="文三路 90 号")
    report = Report.objects.get()
    assert (response.status_code, response["Content-Type"], response.content.decode()) == (
        200,
        "text/xml; charset=utf-8",
        '<?xml version="1.0" encoding="utf-8"?><service_requests><request>'
        f"<service_request_id>{report.pk}</service_request_id><service_notice></service_notice>"
        "<account_id></account_id></request></service_requests>",
    )
    assert (report.address, report.address_id, report.street, report.grid) == ("文三路 90 号", "", "", None)


@pytest.mark.parametrize(
    "fields, description",
    [
        ({"service_code": None}, "service_code is required."),
        ({"lat": None, "long": None}, "A location is required: lat and long, address_string or address_id."),
        ({"lat": None, "long": None, "address_string": " ", "address_id": " "}, "A location is required: lat and long, address_string or address_id."),
        ({"address_id": "x" * 101}, "address_id must be at most 100 characters."),
        ({"address_string": "x" * 201}, "address_string must be at most 200 characters."),
        ({"lat": "91"}, "lat and long must be decimal WGS-84 coordinates (lat -90..90, long -180..180), given together."),
        ({"long": None}, "lat and long must be decimal WGS-84 coordinates (lat -90..90, long -180..180), given together."),
        ({"lat": "NaN"}, "lat and long must be decimal WGS-84 coordinates (lat -90..90, long -180..180), given together."),
        ({"description": "x" * 4001}, "description must be at most 4000 characters."),
        ({"media_url": "javascript:alert(1)"}, "media_url must be an http or https URL of at most 500 characters."),
        ({"media_url": "ftp://hotline.example.org/p/1.jpg"}, "media_url must be an http or https URL of at most 500 characters."),
        ({"media_url": "https://hotline.example.org/" + "p" * 480}, "media_url must be an http or https URL of at most 500 characters."),
        ({"media_url": "http://[::1/p.jpg"}, "media_url must be an http or https URL of at most 500 characters."),
        ({"media_url": "https://hotline.example.org:port/p.jpg"}, "media_url must be an http or https URL of at most 500 characters."),
        ({"media_url": "https://hot line.example.org/p.jpg"}, "media_url must be an http or https URL of at most 500 characters."),
    ],
)  # fmt: skip
def test_post_errors(client, api_key, fields, description):
    response = post(client, api_key=api_key, **fields)
    assert (response.status_code, response.json()) == (400, [{"code": 400, "description": description}])
    assert Report.objects.count() == 0


def test_an_unknown_service_code_is_a_404_and_creates_nothing(client, api_key):
    for fmt in ("json", "xml"):
        response = post(client, fmt, api_key=api_key, service_code="nope")
        assert response.status_code == 404
    assert response.content.decode() == (
        '<?xml version="1.0" encoding="utf-8"?><errors><error><code>404</code>'
        "<description>service_code nope is not a service of this jurisdiction.</description></error></errors>"
    )
    assert post(client, api_key=api_key, service_code="nope").json() == [
        {"code": 404, "description": "service_code nope is not a service of this jurisdiction."}
    ]
    assert Report.objects.count() == 0


def test_a_description_of_4000_characters_is_taken_whole(client, api_key, grid):
    assert post(client, api_key=api_key, description="井" * 4000).status_code == 200
    assert Report.objects.get().description == "井" * 4000


@pytest.mark.parametrize(
    "address_id, street, grid_name",
    [
        ("测试网格-open311", "jiangcun", "测试网格-open311"),  # a grid's name: the grid and its street
        ("西溪街道", "xixi", None),  # a street's Chinese name
        ("Cuiyuan Subdistrict", "cuiyuan", None),  # its English name
        ("gudang", "gudang", None),  # its code
        ("文三路 90 号 3 幢", "", None),  # none of ours: kept as text for staff to place
    ],
)
def test_post_with_an_address_id_only(client, api_key, address_id, street, grid_name):
    from tests.governance.factories import GridFactory

    GridFactory(name="测试网格-open311")
    response = post(client, api_key=api_key, lat=None, long=None, address_id=address_id)
    report = Report.objects.get()
    assert (response.status_code, response.json()) == (
        200,
        [{"service_request_id": str(report.pk), "service_notice": "", "account_id": None}],
    )
    assert (report.address_id, report.street, report.grid and report.grid.name, report.lat) == (
        address_id, street, grid_name, None,
    )  # fmt: skip


def test_lat_long_win_over_an_address_id(client, api_key, grid):
    post(client, api_key=api_key, address_id="西溪街道")
    report = Report.objects.get()
    assert (report.address_id, report.street, report.grid) == ("西溪街道", "jiangcun", grid)


JURISDICTION_404 = (
    "jurisdiction_id no-such-jurisdiction is not served here; this endpoint serves xihu.hangzhou.gov.cn."
)


@pytest.mark.parametrize("path", ["services", "services/road", "requests", "requests/1"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_jurisdiction_is_a_404_on_every_get(client, path, fmt):
    response = client.get(BASE + f"{path}.{fmt}", {"jurisdiction_id": "no-such-jurisdiction"})
    assert response.status_code == 404
    if fmt == "json":
        assert response.json() == [{"code": 404, "description": JURISDICTION_404}]
    else:
        assert response.content.decode() == (
            '<?xml version="1.0" encoding="utf-8"?><errors><error><code>404</code>'
            f"<description>{JURISDICTION_404}</description></error></errors>"
        )


def test_our_jurisdiction_is_accepted_everywhere(client, api_key, grid, accepted_report):
    ours = {"jurisdiction_id": "xihu.hangzhou.gov.cn"}
    for path in ("services", "services/road", "requests", f"requests/{accepted_report.pk}"):
        assert client.get(BASE + f"{path}.json", ours).status_code == 200
    assert post(client, api_key=api_key, **ours).status_code == 200
    assert Report.objects.count() == 2


@pytest.mark.parametrize("where", ["body", "query"])
def test_a_post_to_an_unknown_jurisdiction_creates_nothing(client, api_key, grid, where):
    if where == "body":
        response = post(client, api_key=api_key, jurisdiction_id="no-such-jurisdiction")
    else:
        response = client.post(
            BASE + "requests.json?jurisdiction_id=no-such-jurisdiction",
            {"api_key": api_key, "service_code": "road", "lat": "30.2831", "long": "120.0951"},
        )
    assert (response.status_code, response.json()) == (404, [{"code": 404, "description": JURISDICTION_404}])
    assert Report.objects.count() == 0


def test_the_jurisdiction_is_a_setting(client, settings):
    settings.OPEN311_JURISDICTION_ID = "hangzhou"
    assert client.get(BASE + "services.json", {"jurisdiction_id": "hangzhou"}).status_code == 200
    response = client.get(BASE + "services.json", {"jurisdiction_id": "xihu.hangzhou.gov.cn"})
    assert (response.status_code, response.json()) == (
        404,
        [{"code": 404, "description": "jurisdiction_id xihu.hangzhou.gov.cn is not served here; this endpoint serves hangzhou."}],
    )  # fmt: skip


def test_empty_lists_in_xml_have_an_opening_and_a_closing_tag(client):
    response = client.get(BASE + "requests.xml")
    assert (response.status_code, response.content.decode()) == (
        200,
        '<?xml version="1.0" encoding="utf-8"?><service_requests></service_requests>',
    )
    assert client.get(BASE + "requests.json").json() == []


def status_only(report, status="open"):
    return {
        "service_request_id": str(report.pk), "status": status, "status_notes": "",
        "service_name": report.category.name_zh, "service_code": report.category.code, "description": "",
        "agency_responsible": report.department, "service_notice": "",
        "requested_datetime": iso(report.created_at), "updated_datetime": iso(report.updated_at),
        "expected_datetime": iso(report.due_at), "address": "", "address_id": "", "zipcode": "",
        "lat": None, "long": None, "media_url": "",
    }  # fmt: skip


def test_a_posted_request_reads_back_without_a_key_at_once(client, api_key, grid, grid_admin):
    posted = post(
        client, api_key=api_key, description="井盖缺失，138 0000 0001 可联系", address_id="西溪街道",
        media_url="https://hotline.example.org/p/1.jpg",
    ).json()[0]  # fmt: skip
    report = Report.objects.get()
    response = client.get(BASE + f"requests/{posted['service_request_id']}.json")
    # Not reviewed yet: its status and times, nothing anyone wrote or where it is.
    assert (response.status_code, response.json()) == (200, [status_only(report)])
    xml = client.get(BASE + f"requests/{report.pk}.xml").content.decode()
    assert xml == (
        '<?xml version="1.0" encoding="utf-8"?><service_requests><request>'
        f"<service_request_id>{report.pk}</service_request_id><status>open</status><status_notes></status_notes>"
        "<service_name>道路交通隐患</service_name><service_code>road</service_code><description></description>"
        "<agency_responsible>区城管局（市政设施）</agency_responsible><service_notice></service_notice>"
        f"<requested_datetime>{iso(report.created_at)}</requested_datetime>"
        f"<updated_datetime>{iso(report.updated_at)}</updated_datetime>"
        f"<expected_datetime>{iso(report.due_at)}</expected_datetime><address></address>"
        "<address_id></address_id><zipcode></zipcode><lat></lat><long></long><media_url></media_url>"
        "</request></service_requests>"
    )
    # Not in the public list before review; in it, in full, after.
    assert client.get(BASE + "requests.json").json() == []
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    report.refresh_from_db()
    [item] = client.get(BASE + f"requests/{report.pk}.json").json()
    assert item == {
        **status_only(report), "description": "井盖缺失，138 0000 0001 可联系", "address_id": "西溪街道",
        "lat": 30.2831, "long": 120.0951, "media_url": "https://hotline.example.org/p/1.jpg",
    }  # fmt: skip
    assert client.get(BASE + "requests.json").json() == [item]


def test_a_posted_request_in_a_private_category_reads_back_its_status_only(client, api_key, grid, grid_admin):
    category("people")
    post(client, api_key=api_key, service_code="people", description="独居老人")
    report = Report.objects.get()
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    report.refresh_from_db()
    assert client.get(BASE + f"requests/{report.pk}.json").json() == [status_only(report)]
    assert client.get(BASE + "requests.json").json() == []
    with_key = client.get(BASE + f"requests/{report.pk}.json", {"api_key": api_key}).json()
    assert with_key[0]["description"] == "独居老人"


def test_the_public_list_shows_every_reviewed_public_report(client, member, grid_admin, grid, api_key):
    shown = []
    for code in ("road", "sanitation", "people"):
        report, _ = actions.report_submit(
            reporter=member, category=category(code), lat=Decimal("30.2831"), lng=Decimal("120.0951"),
            photos=[clean_photo()],
        )  # fmt: skip
        actions.report_accept(report_id=report.pk, acting_user=grid_admin)
        if code != "people":
            shown.append(str(report.pk))
    actions.report_submit(
        reporter=member,
        category=category("road"),
        lat=Decimal("30.2831"),
        lng=Decimal("120.0951"),
        photos=[clean_photo()],
    )  # fmt: skip  (not reviewed: not shown)
    listed = client.get(BASE + "requests.json").json()
    assert [item["service_request_id"] for item in listed] == shown[::-1]
    assert all("reporter" not in item for item in listed)


MEDIA_URL_NOT_PUBLIC = (
    "media_url must name a public host by its domain name: no IP address, no local or internal name, "
    "no user name or password."
)


@pytest.mark.parametrize(
    "media_url",
    [
        "http://127.0.0.1/p.jpg", "http://10.0.0.8:8080/p.jpg", "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/p.jpg", "http://localhost/p.jpg", "http://intranet/p.jpg", "http://printer.local/p.jpg",
        "http://metadata.google.internal/computeMetadata/v1/", "http://nas.home.arpa/p.jpg",
        "http://user:secret@hotline.example.org/p.jpg", "http://127.1/p.jpg", "http://0x7f.1/p.jpg",
    ],
)  # fmt: skip
def test_a_media_url_to_a_host_that_is_not_public_is_refused(client, api_key, grid, media_url):
    response = post(client, api_key=api_key, media_url=media_url)
    if response.status_code == 400 and response.json()[0]["description"].startswith(
        "media_url must be an http"
    ):
        pytest.fail(f"{media_url} was refused by the URL check, not by the host rule")
    assert (response.status_code, response.json()) == (
        400,
        [{"code": 400, "description": MEDIA_URL_NOT_PUBLIC}],
    )
    assert Report.objects.count() == 0


def test_a_media_url_is_kept_as_text_and_never_fetched(
    client, api_key, grid, grid_admin, superuser, monkeypatch
):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the portal opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    foreign = "https://img.other-city.example.net/uploads/2026/12/manhole.jpg?size=large"
    assert post(client, api_key=api_key, media_url=foreign).status_code == 200
    report = Report.objects.get()
    assert report.media_url == foreign
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    assert client.get(BASE + f"requests/{report.pk}.json").json()[0]["media_url"] == foreign
    client.force_login(superuser)
    page = client.get(f"/admin/governance/report/{report.pk}/change/").content.decode()
    assert f'<div class="readonly">{foreign.replace("&", "&amp;")}</div>' in page
    assert f'href="{foreign}' not in page


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


def test_a_read_back_without_a_key_counts_its_queries(client, api_key, grid, django_assert_num_queries):
    post(client, api_key=api_key)
    report = Report.objects.get()
    # the report with its category, its photos, its updates
    with django_assert_num_queries(3):
        assert client.get(BASE + f"requests/{report.pk}.json").status_code == 200


def test_the_openapi_document_has_open311_with_its_parameters_and_errors():
    import yaml

    from config.settings import BASE_DIR

    document = yaml.safe_load((BASE_DIR / "docs" / "openapi.yaml").read_text())
    paths = {path: item for path, item in document["paths"].items() if path.startswith("/open311/")}
    assert sorted(paths) == [
        "/open311/v2/discovery.{format}", "/open311/v2/requests.{format}",
        "/open311/v2/requests/{service_request_id}.{format}", "/open311/v2/services.{format}",
        "/open311/v2/services/{service_code}.{format}",
    ]  # fmt: skip
    listing = paths["/open311/v2/requests.{format}"]["get"]
    assert [p["name"] for p in listing["parameters"]] == [
        "format", "jurisdiction_id", "api_key", "service_request_id", "service_code", "start_date", "end_date",
        "status",
    ]  # fmt: skip
    post = paths["/open311/v2/requests.{format}"]["post"]
    assert sorted(post["responses"]) == ["200", "400", "403", "404"]
    fields = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert (fields["description"]["maxLength"], fields["address_id"]["maxLength"]) == (4000, 100)
    assert "attribute[{code}]" in fields
    definition = paths["/open311/v2/services/{service_code}.{format}"]["get"]
    assert definition["responses"]["404"]["content"]["application/json"]["schema"]["items"]["required"] == [
        "code",
        "description",
    ]
    attribute = definition["responses"]["200"]["content"]["application/json"]["schema"]["properties"][
        "attributes"
    ]
    assert attribute["items"]["properties"]["datatype"]["enum"] == [
        "string", "number", "datetime", "text", "singlevaluelist", "multivaluelist",
    ]  # fmt: skip
    hsds = {path for path in document["paths"] if path.startswith("/api/hsds/")}
    assert {"/api/hsds/taxonomies/{taxonomy_id}", "/api/hsds/taxonomy_terms/{term_id}"} <= hsds
    services = document["paths"]["/api/hsds/services"]["get"]
    assert {"format", "taxonomy_id", "minimal", "full"} <= {p["name"] for p in services["parameters"]}
    assert set(services["responses"]["200"]["content"]) == {"application/json", "application/x-ndjson"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_standard_client_flow(client, api_key, grid, grid_admin, fmt):
    """What a GeoReport v2 client does: services, a definition, POST, read back without a key, list."""
    from governance import demo
    from tests.governance.test_attributes import ROAD_DEFINITION

    road = category("road")
    road.attributes = demo.QUESTIONS["road"]
    road.save(update_fields=["attributes"])

    def body(response):
        assert response.status_code == 200
        if fmt == "json":
            assert response["Content-Type"] == "application/json"
            return response.json()
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        return parse_xml(response.content)

    services = body(client.get(BASE + f"services.{fmt}"))
    if fmt == "json":
        assert (services[0]["service_code"], services[0]["metadata"]) == ("road", True)
        assert body(client.get(BASE + f"services/road.{fmt}")) == ROAD_DEFINITION
    else:
        assert [services[0].findtext("service_code"), services[0].findtext("metadata")] == ["road", "true"]
        definition = body(client.get(BASE + f"services/road.{fmt}"))
        assert [a.findtext("code") for a in definition.iter("attribute")] == ["cover_state", "width_m"]
    created = body(
        client.post(
            BASE + f"requests.{fmt}",
            {
                "api_key": api_key, "jurisdiction_id": "xihu.hangzhou.gov.cn", "service_code": "road",
                "lat": "30.2831", "long": "120.0951", "description": "井盖缺失", "attribute[cover_state]": "missing",
            },
        )
    )  # fmt: skip
    report = Report.objects.get()
    request_id = (
        created[0]["service_request_id"] if fmt == "json" else created.findtext("request/service_request_id")
    )
    assert request_id == str(report.pk)
    read_back = body(client.get(BASE + f"requests/{request_id}.{fmt}"))
    if fmt == "json":
        assert read_back == [status_only(report)]
    else:
        assert (read_back.findtext("request/status"), read_back.findtext("request/description")) == (
            "open",
            "",
        )
    keyed = body(client.get(BASE + f"requests.{fmt}", {"api_key": api_key}))
    public_before = body(client.get(BASE + f"requests.{fmt}"))
    actions.report_accept(report_id=report.pk, acting_user=grid_admin)
    public_after = body(client.get(BASE + f"requests.{fmt}"))
    if fmt == "json":
        assert [item["service_request_id"] for item in keyed] == [request_id]
        assert public_before == []
        assert [(item["service_request_id"], item["description"]) for item in public_after] == [
            (request_id, "井盖缺失")
        ]
    else:
        assert [r.findtext("service_request_id") for r in keyed] == [request_id]
        assert (public_before.tag, len(public_before)) == ("service_requests", 0)
        assert [(r.findtext("service_request_id"), r.findtext("description")) for r in public_after] == [
            (request_id, "井盖缺失")
        ]
    assert Report.objects.get().attributes == {"cover_state": "missing"}
