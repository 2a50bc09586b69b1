"""Each input that once answered 500 (issue 14), now refused in its interface's own error shape."""

import base64
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from core.audit import AuditEntry
from events import codes
from events.models import CheckIn
from governance.models import Report
from rewards.models import RewardStock
from subsidies.models import Budget, Scheme
from tests.events.factories import RegistrationFactory, StationFactory, ongoing_event
from tests.factories import StaffFactory, UserFactory
from tests.partner_api import factories as partner
from tests.rewards.factories import RewardFactory, StockFactory

pytestmark = pytest.mark.django_db

INVALID_INPUT = "输入有误：请查看“extra”中列出的字段。"
OFFSET = "2026-01-01T00:00:00+22:16"


def api_error(field: str, message: str) -> dict:
    return {"message": INVALID_INPUT, "extra": {"fields": {field: [message]}}}


def imsx(description: str, code_minor: str) -> dict:
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code_minor}
            ]
        },
    }


def page_400(message: str) -> str:
    return (
        '<!DOCTYPE html>\n\n<html lang="zh-CN">\n<head>\n  <meta charset="utf-8">\n'
        '  <meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "  <title>请检查你输入的内容</title>\n"
        '  <link rel="stylesheet" href="/static/css/portal.css">\n</head>\n<body>\n'
        '  <main id="main" class="page">\n    <section class="error-page">\n      \n'
        "      <h1>请检查你输入的内容</h1>\n"
        f"      <p>{message}</p>\n"
        "      <p>请返回，改正后再试一次。</p>\n\n"
        '      <a class="button primary" href="/">返回首页</a>\n'
        "    </section>\n  </main>\n</body>\n</html>\n"
    )


@pytest.fixture
def partner_client(db):
    uni = partner.university("uni-a", "甲大学")
    api = partner.api_client(uni, client_id="uni-a", can_read_sensitive=True, can_write=True)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {partner.token_for(api.application)}")
    client.enrolment = partner.enrolment(uni)
    return client


@pytest.fixture
def superuser(db):
    return StaffFactory(is_superuser=True, real_name="管理员")


# --- a UTC offset beyond ±15:59 ------------------------------------------------------------------


def test_hsds_offset_beyond_the_database_limit(client):
    response = client.get("/api/hsds/services", {"modified_after": OFFSET})
    assert response.status_code == 400
    assert response.json() == api_error("modified_after", "modified_after 的时区偏移超出了 ±15:59。")


def test_oneroster_filter_offset_beyond_the_database_limit(partner_client):
    url = "/ims/oneroster/rostering/v1p2/users"
    response = partner_client.get(url, {"filter": f"dateLastModified>'{OFFSET}'"})
    assert response.status_code == 400
    assert response.json() == imsx("dateLastModified 的时区偏移超出了 ±15:59。", "invalid_filter_field")


def test_open311_offset_beyond_the_database_limit(client):
    response = client.get("/open311/v2/requests.json", {"start_date": OFFSET})
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": "start_date has a UTC offset beyond ±15:59."}]


def test_partner_api_offset_beyond_the_database_limit(partner_client):
    response = partner_client.get("/api/v1/enrolments/", {"updated_since": OFFSET})
    assert response.status_code == 400
    assert response.json() == api_error("updated_since", "updated_since 的时区偏移超出了 ±15:59。")


# --- NUL characters ------------------------------------------------------------------------------

NUL_IN_SEARCH = api_error("search", "search 含有控制字符（例如 NUL），请删除后再试。")


@pytest.mark.parametrize("path", ["services", "organizations", "service_at_locations", "taxonomy_terms"])
def test_hsds_search_with_nul(client, path):
    response = client.get(f"/api/hsds/{path}?search=%00")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == NUL_IN_SEARCH


@pytest.mark.parametrize("path", ["/services/near/", "/services/near/map/"])
def test_near_me_pages_with_nul(client, path):
    response = client.get(f"{path}?scenario=%00")
    assert response.status_code == 400
    assert response.content.decode() == page_400("scenario 含有控制字符（例如 NUL），请删除后再试。")


def test_admin_changelist_filter_with_nul(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/governance/report/?status=%00")
    assert response.status_code == 400
    assert response.content.decode() == page_400("status 含有控制字符（例如 NUL），请删除后再试。")


def test_open311_and_oneroster_refuse_nul_in_their_own_shapes(client, partner_client):
    response = client.get("/open311/v2/requests.xml?service_code=%00")
    assert response.status_code == 400
    assert response.content.decode() == (
        '<?xml version="1.0" encoding="utf-8"?><errors><error><code>400</code><description>'
        "service_code contains a control character (such as NUL); please remove it.</description></error></errors>"
    )
    response = partner_client.get("/ims/oneroster/rostering/v1p2/users?sort=%00")
    assert response.status_code == 400
    assert response.json() == imsx("sort 含有控制字符（例如 NUL），请删除后再试。", "invaliddata")


def test_open311_post_with_nul_changes_nothing(client):
    response = client.post("/open311/v2/requests.json", {"description": "坏\x00了", "api_key": "k"})
    assert response.status_code == 400
    description = "description contains a control character (such as NUL); please remove it."
    assert response.json() == [{"code": 400, "description": description}]
    assert not Report.objects.exists()


# --- years out of range --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, description",
    [
        ("start_date=9999-12-01T00:00:00Z", "start_date must be between 1900-01-01 and 2199-12-31."),
        ("end_date=0001-01-01T00:00:00Z", "end_date must be between 1900-01-01 and 2199-12-31."),
    ],
)
def test_open311_dates_whose_90_day_window_would_overflow(client, query, description):
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    assert response.json() == [{"code": 400, "description": description}]


# --- cursors and JSON ----------------------------------------------------------------------------


def test_a_crafted_cursor_is_404_like_any_invalid_cursor(partner_client):
    cursor = base64.b64encode(b"p=abc").decode()
    response = partner_client.get("/api/v1/enrolments/", {"cursor": cursor})
    assert response.status_code == 404
    assert response.json() == {"message": "无效游标", "extra": {}}


def test_json_nested_5000_deep_is_refused_and_changes_nothing(partner_client):
    enrolment = partner_client.enrolment
    before = (enrolment.status, enrolment.student_number)
    body = '{"student_number": ' + "[" * 5000 + "]" * 5000 + "}"
    response = partner_client.patch(
        f"/api/v1/enrolments/{enrolment.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"message": "JSON 请求体嵌套太深（最多 32 层）。", "extra": {}}
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.student_number) == before


# --- full-width digits ---------------------------------------------------------------------------


def test_check_in_with_the_full_width_digits_of_a_chinese_ime(client):
    event = ongoing_event(station=StationFactory(name="龙湖天街小哥驿站"), title="外卖骑手技能竞赛")
    worker = UserFactory(real_name="张伟")
    RegistrationFactory(event=event, user=worker)
    client.force_login(worker)
    typed = codes.checkin_code(event.pk).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(reverse("events:checkin", args=[event.pk]), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("events:checkin_done", args=[event.pk])
    assert CheckIn.objects.filter(event=event, user=worker).count() == 1


def test_check_in_code_０１２３４５_is_a_wrong_code_not_a_500(client):
    event = ongoing_event(station=StationFactory(name="龙湖天街小哥驿站"), title="外卖骑手技能竞赛")
    worker = UserFactory(real_name="张伟")
    RegistrationFactory(event=event, user=worker)
    client.force_login(worker)
    typed = "０１２３４５" if codes.checkin_code(event.pk) != "012345" else "９８７６５４"
    response = client.post(reverse("events:checkin", args=[event.pk]), {"code": typed})
    assert response.status_code == 409
    assert f'value="{typed}"' in response.content.decode()  # what was typed is kept
    assert not CheckIn.objects.exists()


# --- admin -----------------------------------------------------------------------------------------


def test_a_stock_change_beyond_any_real_delivery_is_a_form_error(client, superuser):
    stock = StockFactory(station=StationFactory(name="龙湖天街小哥驿站"), reward=RewardFactory(), quantity=5)
    client.force_login(superuser)
    url = reverse("admin:rewards_rewardstock_change", args=[stock.pk])
    response = client.post(url, {"change": "100000000000000000000", "reason": "到货"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "不能大于 1000000。" in page
    assert 'value="100000000000000000000"' in page
    assert RewardStock.objects.get(pk=stock.pk).quantity == 5
    assert not AuditEntry.objects.filter(action="rewards.stock.adjust").exists()


def test_the_budget_add_page_opens_and_adds(client, superuser):
    scheme = Scheme.objects.create(name="2027 资助计划", year=2027)
    client.force_login(superuser)
    url = reverse("admin:subsidies_budget_add")
    assert client.get(url).status_code == 200
    response = client.post(url, {"scheme": scheme.pk, "total": "300000.00", "reason": "年度预算"})
    assert response.status_code == 302
    budget = Budget.objects.get(scheme=scheme)
    assert (budget.total, budget.committed) == (Decimal("300000.00"), Decimal("0"))
    assert AuditEntry.objects.get(action="subsidy.budget_total").note == "年度预算"


# --- the OneRoster Link header ---------------------------------------------------------------------


def test_the_oneroster_link_header_stays_small(partner_client):
    url = "/ims/oneroster/rostering/v1p2/users"
    long_filter = "email~'" + "伟" * 985 + "'"
    noise = {f"x{n}": "y" * 1900 for n in range(40)}
    response = partner_client.get(url, {"filter": long_filter, **noise})
    assert response.status_code == 200, response.json()
    assert len(response["Link"]) < 20 * 1024  # first and last; with next and prev still under 40 KB
    assert "x0=" not in response["Link"]
    response = partner_client.get(url, {"filter": "email~'" + "伟" * 1500 + "'"})
    assert response.status_code == 400
    assert response.json() == imsx("filter 太长了：最多 1000 个字符。", "invalid_filter_field")
    response = partner_client.get(url, {"filter": "x" * 10_000})
    assert response.status_code == 400
    assert response.json() == imsx("filter 太长了：最多 2000 个字符。", "invaliddata")


def test_json_depth_check_reads_strings_as_strings():
    from core.validation import json_depth_exceeds

    assert not json_depth_exceeds(json.dumps({"a": "[" * 100}))
    assert json_depth_exceeds("[" * 33 + "]" * 33)
    assert not json_depth_exceeds("[" * 32 + "]" * 32)


# --- what an earlier schemathesis run found ------------------------------------------------------


def test_empty_credits_are_refused_and_nothing_is_recorded(partner_client):
    enrolment = partner_client.enrolment
    response = partner_client.post(
        f"/api/v1/enrolments/{enrolment.pk}/credits/",
        json.dumps({"study_year": 1, "credits": ""}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == api_error("credits", "请填写合法的数字。")
    assert not enrolment.credit_records.exists()


def test_an_empty_hsds_page_is_refused_as_the_schema_says(client):
    response = client.get("/api/hsds/services?page=")
    assert response.status_code == 400
    assert response.json() == api_error("page", "page must be a whole number from 1 to 1,000,000.")


# --- pages: a form error, with what was typed kept -------------------------------------------------


def test_a_page_form_with_nul_says_so_and_keeps_the_text(client):
    from services.models import ServiceRequest

    worker = UserFactory(real_name="张伟")
    client.force_login(worker)
    data = {"kind": "legal", "description": "老板拖欠\x00工资", "contact_time": "any"}
    response = client.post(reverse("services:request_new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "不能含有空字符（NUL），请删除后再试。" in page
    assert "老板拖欠\x00工资" in page
    assert not ServiceRequest.objects.exists()


def test_a_page_form_with_another_control_character_says_so_and_keeps_the_text(client):
    from services.models import ServiceRequest

    client.force_login(UserFactory(real_name="张伟"))
    data = {"kind": "legal", "description": "老板拖欠\x1b[31m工资", "contact_time": "any"}
    response = client.post(reverse("services:request_new"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "此栏含有控制字符，请删除后再试。" in page
    assert "老板拖欠\x1b[31m工资" in page
    assert not ServiceRequest.objects.exists()


def test_lines_and_tabs_are_not_control_characters_to_a_form():
    from core.validation import ProhibitControlCharactersValidator

    ProhibitControlCharactersValidator()("第一行\r\n第二行\t完")


def test_the_token_endpoint_refuses_nul_in_its_own_shape(client):
    data = {"grant_type": "client_credentials", "client_id": "uni\x00a", "client_secret": "x"}
    response = client.post("/oauth/token/", data)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "client_id 含有控制字符（例如 NUL），请删除后再试。",
    }
