"""A category's own questions (Open311 service attributes): definitions, POST answers, the worker's
form, staff's view, the demo."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts import demo as accounts_demo
from core.audit import AuditEntry
from governance import actions, demo
from governance.attributes import validate_definitions
from governance.models import Category, Report
from tests.factories import UserFactory
from tests.governance.factories import category, clean_photo, photo_upload
from tests.governance.test_open311 import BASE, parse_xml, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def road():
    road = category("road")
    road.attributes = demo.QUESTIONS["road"]
    road.save(update_fields=["attributes"])
    return road


@pytest.fixture
def facility():
    facility = category("facility")
    facility.attributes = demo.QUESTIONS["facility"]
    facility.save(update_fields=["attributes"])
    return facility


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def api_key(grid_admin):
    return actions.apikey_issue(name="12345 市民热线", acting_user=grid_admin)[1]


ROAD_DEFINITION = {
    "service_code": "road",
    "attributes": [
        {
            "variable": True, "code": "cover_state", "datatype": "singlevaluelist", "required": True,
            "datatype_description": "", "order": 1, "description": "井盖是缺失、破损还是松动？",
            "values": [
                {"key": "missing", "name": "缺失"}, {"key": "broken", "name": "破损"},
                {"key": "loose", "name": "松动"}, {"key": "not_a_cover", "name": "不是井盖问题"},
            ],
        },
        {
            "variable": True, "code": "width_m", "datatype": "number", "required": False,
            "datatype_description": "单位：米，例如 0.6", "order": 2, "description": "坑洞或缺口大约多宽？",
            "values": [],
        },
    ],
}  # fmt: skip


def test_a_category_with_questions_has_metadata_and_a_definition(client, road):
    services = {row["service_code"]: row["metadata"] for row in client.get(BASE + "services.json").json()}
    assert (services["road"], services["sanitation"]) == (True, False)
    assert client.get(BASE + "services/road.json").json() == ROAD_DEFINITION
    assert client.get(BASE + "services/sanitation.json").json() == {
        "service_code": "sanitation",
        "attributes": [],
    }
    english = client.get(BASE + "services/road.json", headers={"accept-language": "en"}).json()
    assert (english["attributes"][0]["description"], english["attributes"][0]["values"][0]) == (
        "Is the manhole cover missing, broken or loose?",
        {"key": "missing", "name": "Missing"},
    )


def test_a_definition_in_xml(client, road):
    response = client.get(BASE + "services/road.xml")
    assert response.content.decode() == (
        '<?xml version="1.0" encoding="utf-8"?><service_definition><service_code>road</service_code>'
        "<attributes><attribute><variable>true</variable><code>cover_state</code>"
        "<datatype>singlevaluelist</datatype><required>true</required><datatype_description>"
        "</datatype_description><order>1</order><description>井盖是缺失、破损还是松动？</description><values>"
        "<value><key>missing</key><name>缺失</name></value><value><key>broken</key><name>破损</name></value>"
        "<value><key>loose</key><name>松动</name></value><value><key>not_a_cover</key><name>不是井盖问题</name>"
        "</value></values></attribute><attribute><variable>true</variable><code>width_m</code>"
        "<datatype>number</datatype><required>false</required><datatype_description>单位：米，例如 0.6"
        "</datatype_description><order>2</order><description>坑洞或缺口大约多宽？</description><values></values>"
        "</attribute></attributes></service_definition>"
    )
    services = parse_xml(client.get(BASE + "services.xml").content)
    assert services.find("service").findtext("metadata") == "true"


def test_post_stores_the_answers(client, api_key, grid, road, facility):
    response = post(
        client, api_key=api_key, **{"attribute[cover_state]": "broken", "attribute[width_m]": "0.60"}
    )
    assert response.status_code == 200
    assert Report.objects.get().attributes == {"cover_state": "broken", "width_m": "0.6"}
    response = client.post(
        BASE + "requests.json",
        {
            "api_key": api_key, "service_code": "facility", "lat": "30.2831", "long": "120.0951",
            "attribute[parts][]": ["light", "bench", "light"], "attribute[noticed_at]": "2026-12-01T20:30:00+08:00",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert Report.objects.get(category__code="facility").attributes == {
        "parts": ["light", "bench"],
        "noticed_at": "2026-12-01T20:30:00+08:00",
    }


@pytest.mark.parametrize(
    "answers, description",
    [
        ({}, "attribute[cover_state] is required."),
        ({"attribute[cover_state]": " "}, "attribute[cover_state] is required."),
        ({"attribute[cover_state]": "gone"}, "attribute[cover_state] must be one of: missing, broken, loose, not_a_cover."),
        ({"attribute[cover_state]": ["missing", "broken"]}, "attribute[cover_state] takes one value."),
        ({"attribute[cover_state]": "missing", "attribute[width_m]": "wide"}, "attribute[width_m] must be a number."),
        ({"attribute[cover_state]": "missing", "attribute[width_m]": "NaN"}, "attribute[width_m] must be a number."),
        ({"attribute[cover_state]": "missing", "attribute[width_m]": "1e400"}, "attribute[width_m] must be a number."),
        ({"attribute[cover_state]": "missing", "attribute[colour]": "red"}, "attribute[colour] is not an attribute of service road."),
        ({"attribute[cover_state]": "missing", "attribute[]": "red"}, "attribute[] is not an attribute of service road."),
    ],
)  # fmt: skip
def test_bad_answers_are_400_and_create_nothing(client, api_key, grid, road, answers, description):
    for fmt in ("json", "xml"):
        response = post(client, fmt, api_key=api_key, **answers)
        assert response.status_code == 400
    assert parse_xml(response.content).findtext("error/description") == description
    assert post(client, api_key=api_key, **answers).json() == [{"code": 400, "description": description}]
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    "answers, description",
    [
        ({}, "attribute[parts] is required."),
        ({"attribute[parts][]": ["light", "roof"]}, "attribute[parts] must be one of: light, railing, bench, charger."),
        ({"attribute[parts][]": "light", "attribute[noticed_at]": "2026-12-01"}, "attribute[noticed_at] must be an ISO 8601 date-time with a time zone."),
        ({"attribute[parts][]": "light", "attribute[noticed_at]": "2026-12-01T20:30:00"}, "attribute[noticed_at] must be an ISO 8601 date-time with a time zone."),
        ({"attribute[parts][]": "light", "attribute[noticed_at]": "2026-13-01T20:30:00+08:00"}, "attribute[noticed_at] must be an ISO 8601 date-time with a time zone."),
    ],
)  # fmt: skip
def test_bad_list_and_datetime_answers(client, api_key, grid, facility, answers, description):
    response = post(client, api_key=api_key, service_code="facility", **answers)
    assert (response.status_code, response.json()) == (400, [{"code": 400, "description": description}])
    assert Report.objects.count() == 0


def test_string_and_text_answers_are_bounded(client, api_key, grid):
    other = category("other")
    other.attributes = [
        {"code": "plate", "datatype": "string", "description_zh": "车牌号？"},
        {"code": "story", "datatype": "text", "description_zh": "经过？"},
        {"code": "note", "datatype": "string", "variable": False, "description_zh": "请勿填写个人信息。"},
    ]
    other.save(update_fields=["attributes"])
    too_long = post(client, api_key=api_key, service_code="other", **{"attribute[plate]": "x" * 201})
    assert too_long.json() == [
        {"code": 400, "description": "attribute[plate] must be at most 200 characters."}
    ]
    too_long = post(client, api_key=api_key, service_code="other", **{"attribute[story]": "x" * 4001})
    assert too_long.json() == [
        {"code": 400, "description": "attribute[story] must be at most 4000 characters."}
    ]
    not_variable = post(client, api_key=api_key, service_code="other", **{"attribute[note]": "x"})
    assert not_variable.json() == [
        {"code": 400, "description": "attribute[note] is not an attribute of service other."}
    ]
    assert Report.objects.count() == 0
    ok = post(
        client,
        api_key=api_key,
        service_code="other",
        **{"attribute[plate]": "浙A12345", "attribute[story]": "x" * 4000},
    )
    assert ok.status_code == 200
    assert Report.objects.get().attributes == {"plate": "浙A12345", "story": "x" * 4000}
    definition = client.get(BASE + "services/other.json").json()["attributes"]
    assert [(a["code"], a["variable"], a["order"]) for a in definition] == [
        ("plate", True, 0), ("story", True, 0), ("note", False, 0),
    ]  # fmt: skip


GOOD = {"code": "a", "datatype": "string", "description_zh": "问？"}


@pytest.mark.parametrize(
    "value, message",
    [
        ({"code": "a"}, "The attributes must be a JSON list of questions."),
        (["a"], "Question 1: each question must be a JSON object."),
        ([{**GOOD, "label": "x"}], "Question 1: unknown keys label."),
        ([{**GOOD, "code": "A b"}], "Question 1: code must be 1 to 40 lower-case letters, digits, - or _."),
        ([GOOD, GOOD], "Question 2: code a is used twice."),
        ([{**GOOD, "datatype": "boolean"}], "Question 1: datatype must be one of string, number, datetime, text, singlevaluelist, multivaluelist."),
        ([{**GOOD, "required": "yes"}], "Question 1: required must be true or false."),
        ([{**GOOD, "variable": False, "required": True}], "Question 1: variable must be true or false; a question that is not variable cannot be required."),
        ([{**GOOD, "order": 1.5}], "Question 1: order must be a whole number."),
        ([{**GOOD, "order": True}], "Question 1: order must be a whole number."),
        ([{**GOOD, "description_zh": " "}], "Question 1: description_zh is required (at most 200 characters), description_en at most 200."),
        ([{**GOOD, "description_en": "x" * 201}], "Question 1: description_zh is required (at most 200 characters), description_en at most 200."),
        ([{**GOOD, "datatype": "singlevaluelist"}], "Question 1: a list question needs values: a list of {key, name_zh, name_en}, keys unique."),
        ([{**GOOD, "datatype": "multivaluelist", "values": [{"key": "x", "name_zh": "x"}, {"key": "x", "name_zh": "y"}]}], "Question 1: a list question needs values: a list of {key, name_zh, name_en}, keys unique."),
        ([{**GOOD, "datatype": "singlevaluelist", "values": [{"key": "x"}]}], "Question 1: a list question needs values: a list of {key, name_zh, name_en}, keys unique."),
        ([{**GOOD, "values": [{"key": "x", "name_zh": "x"}]}], "Question 1: only singlevaluelist and multivaluelist questions have values."),
    ],
)  # fmt: skip
def test_bad_definitions_are_refused(value, message):
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            validate_definitions(value)
        assert refused.value.messages == [message]


def test_definition_errors_are_in_chinese_for_staff():
    with pytest.raises(ValidationError) as refused:
        validate_definitions([GOOD, GOOD])
    assert refused.value.messages == ["第2个问题：code a 用了两次。"]


def test_the_demo_questions_are_valid():
    for questions in demo.QUESTIONS.values():
        validate_definitions(questions)


def test_staff_edit_the_questions_in_admin_through_the_action(client, superuser):
    from django.contrib.auth.models import Permission

    road = category("road")
    client.force_login(superuser)
    url = f"/admin/governance/category/{road.pk}/change/"
    form = {
        "code": "road", "name_zh": road.name_zh, "name_en": road.name_en, "description_zh": "", "description_en": "",
        "icon": "", "department": road.department, "response_hours": 72, "is_public": "on", "is_active": "on",
        "position": 0,
    }  # fmt: skip
    refused = client.post(
        url, {**form, "attributes": '[{"code": "a", "datatype": "boolean", "description_zh": "问？"}]'}
    )
    assert refused.status_code == 200
    assert (
        "第1个问题：datatype 必须是 string、number、datetime、text、singlevaluelist、multivaluelist 之一。"
        in (refused.content.decode())
    )
    road.refresh_from_db()
    assert road.attributes == []
    assert not AuditEntry.objects.filter(action="report.category.change").exists()
    response = client.post(
        url, {**form, "attributes": '[{"code": "a", "datatype": "number", "description_zh": "多宽？"}]'}
    )
    assert response.status_code == 302
    road.refresh_from_db()
    assert road.attributes == [{"code": "a", "datatype": "number", "description_zh": "多宽？"}]
    assert AuditEntry.objects.filter(action="report.category.change").count() == 1
    assert client.post(url, {**form, "attributes": ""}).status_code == 302  # emptied: no questions
    road.refresh_from_db()
    assert road.attributes == []
    assert Permission.objects.filter(codename="change_category").exists()


def form_data(category_pk, **extra):
    return {"category": category_pk, "lat": "30.2831", "lng": "120.0951", "photos": [photo_upload()], **extra}


def test_the_worker_form_asks_the_chosen_categorys_questions(member_client, road, facility):
    page = member_client.get("/grid/report/").content.decode()
    assert f'<fieldset class="category-questions" data-category="{road.pk}">' in page
    assert "<legend>关于“道路交通隐患”</legend>" in page
    assert "井盖是缺失、破损还是松动？" in page and "哪些设施坏了？" in page
    # The road's required question is not asked of a facility report, and the other way round.
    response = member_client.post(
        "/grid/report/",
        form_data(
            facility.pk, **{f"attribute-{facility.pk}-parts": ["light", "railing"],
                            f"attribute-{facility.pk}-noticed_at": "2026-12-01T20:30"},
        ),
    )  # fmt: skip
    assert response.status_code == 302
    assert Report.objects.get().attributes == {
        "parts": ["light", "railing"],
        "noticed_at": "2026-12-01T20:30:00+08:00",
    }


def test_the_worker_form_refuses_a_missing_or_bad_answer(member_client, road):
    response = member_client.post("/grid/report/", form_data(road.pk))
    assert response.status_code == 400
    assert response.context["form"].errors == {f"attribute-{road.pk}-cover_state": ["请回答这个问题。"]}
    response = member_client.post(
        "/grid/report/",
        form_data(
            road.pk, **{f"attribute-{road.pk}-cover_state": "gone", f"attribute-{road.pk}-width_m": "宽"}
        ),
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        f"attribute-{road.pk}-cover_state": ["“gone”不在可选项中，请从列表中选择。"],
        f"attribute-{road.pk}-width_m": ["请填写数字。"],
    }
    assert Report.objects.count() == 0
    ok = member_client.post(
        "/grid/report/",
        form_data(
            road.pk, **{f"attribute-{road.pk}-cover_state": "loose", f"attribute-{road.pk}-width_m": "0.50"}
        ),
    )
    assert ok.status_code == 302
    assert Report.objects.get().attributes == {"cover_state": "loose", "width_m": "0.5"}


def test_staff_see_the_answers_in_admin(client, superuser, member, road):
    report, _ = actions.report_submit(
        reporter=member, category=road, lat=Decimal("30.2831"), lng=Decimal("120.0951"), photos=[clean_photo()],
        answers={"cover_state": "missing", "width_m": "0.6"},
    )  # fmt: skip
    client.force_login(superuser)
    page = client.get(f"/admin/governance/report/{report.pk}/change/").content.decode()
    assert (
        "<dl><dt>井盖是缺失、破损还是松动？</dt><dd>缺失</dd><dt>坑洞或缺口大约多宽？</dt><dd>0.6</dd></dl>"
        in page
    )


def test_the_demo_seeds_questions_and_a_reviewed_partner_report(client):
    accounts_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    assert Category.objects.get(code="road").attributes == demo.QUESTIONS["road"]
    assert Category.objects.get(code="facility").attributes == demo.QUESTIONS["facility"]
    report = Report.objects.get()
    assert (report.status, report.attributes) == ("accepted", {"cover_state": "missing", "width_m": "0.6"})
    [listed] = client.get(BASE + "requests.json").json()
    assert listed["service_request_id"] == str(report.pk)
