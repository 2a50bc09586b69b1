"""OneRoster 1.2 Gradebook write-back: PUT results/{sourcedId} records a study year's credits through
the same action as POST /api/v1/enrolments/{id}/credits/, so the subsidy instalment becomes payable.

The bodies sent are checked against the official Gradebook OpenAPI (SingleResultDType), the
errors answered against its imsx_StatusInfoDType."""

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from rest_framework.test import APIClient

from academy.models import CreditRecord, Enrolment
from academy.oneroster import ids
from accounts import roles
from core.models import AuditEntry
from subsidies import actions as subsidy_actions
from subsidies.models import Instalment, SubsidyApplication
from tests.factories import staff_in
from tests.partner_api import factories
from tests.partner_api.factories import imsx_status_info as status_info
from tests.subsidies.factories import SubsidyApplicationFactory, scheme_with_budget

pytestmark = pytest.mark.django_db
BASE = "/ims/oneroster/gradebook/v1p2/"
SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
SPEC = json.loads(
    (
        Path(__file__).resolve().parents[2]
        / "academy"
        / "oneroster"
        / "openapi"
        / "onerosterv1p2gradebookservice_openapi3_v1p0.json"
    ).read_text()
)


@pytest.fixture
def writers(api_clients, client_a, client_b):
    """The permission matrix's clients, the universities' ones holding the gradebook scope."""

    def writer(api_client) -> APIClient:
        client = APIClient()
        token = factories.token_for(api_client.application, SCOPE + "gradebook.createput")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return {**api_clients, "uni_a": writer(client_a), "uni_b": writer(client_b)}


def conforms(body: dict, dtype: str) -> None:
    schema = {"$ref": f"#/components/schemas/{dtype}", "components": SPEC["components"]}
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert [error.message for error in validator.iter_errors(body)] == []


@pytest.fixture
def approved(uni_a):
    """An enrolled student of university A with an approved subsidy: every instalment pending."""
    enrolment = factories.enrolment(uni_a, status=Enrolment.Status.ADMITTED)
    application = SubsidyApplicationFactory(
        enrolment=enrolment,
        scheme=scheme_with_budget(intakes=[enrolment.intake]),
        status=SubsidyApplication.Status.CHECKED,
        checked_by=staff_in(roles.CHECKER),
    )
    subsidy_actions.application_approve(application_id=application.pk, acting_user=staff_in(roles.APPROVER))
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=Enrolment.Status.ENROLLED, student_number="ZJ27001"
    )
    return enrolment, application


def result(enrolment, *, year: int = 1, score=30, sourced_id: str = "res-2027-zj27001-y1", **changes) -> dict:
    class_id = ids.encode("cls", enrolment.offering_id)
    user_id = ids.encode("usr", enrolment.worker_id)
    body = {
        "result": {
            "sourcedId": sourced_id,
            "status": "active",
            "dateLastModified": "2027-07-01T08:00:00.000Z",
            "lineItem": {
                "href": f"http://testserver{BASE}lineItems/{class_id}-y{year}",
                "sourcedId": f"{class_id}-y{year}",
                "type": "lineItem",
            },
            "student": {
                "href": f"http://testserver/ims/oneroster/rostering/v1p2/users/{user_id}",
                "sourcedId": user_id,
                "type": "user",
            },
            "scoreStatus": "fully graded",
            "score": score,
            "scoreDate": "2027-07-01",
            **changes,
        }
    }
    return body


def put(client, body, sourced_id: str = "res-2027-zj27001-y1"):
    return client.put(f"{BASE}results/{sourced_id}", body, format="json")


def state(application) -> tuple:
    return (
        list(CreditRecord.objects.values_list("enrolment_id", "study_year", "credits")),
        sorted(application.instalments.values_list("study_year", "status")),
        AuditEntry.objects.filter(action="enrolment.credits").count(),
    )


def test_a_result_makes_the_years_instalment_payable_and_a_replay_changes_nothing(
    writers, approved, client_a
):
    enrolment, application = approved
    body = result(enrolment)
    conforms(body, "SingleResultDType")
    response = put(writers["uni_a"], body)
    assert response.status_code == 201
    assert response.content == b""
    assert list(CreditRecord.objects.values_list("enrolment_id", "study_year", "credits")) == [
        (enrolment.pk, 1, Decimal("30.0"))
    ]
    instalments = {i.study_year: i.status for i in Instalment.objects.filter(application=application)}
    assert instalments[1] == Instalment.Status.PAYABLE
    assert {instalments[year] for year in instalments if year != 1} == {Instalment.Status.PENDING}
    entry = AuditEntry.objects.get(action="enrolment.credits")
    assert entry.data == {
        "study_year": 1,
        "credits": "30.0",
        "correction": False,
        "api_client": client_a.application.client_id,
        "university": client_a.university_id,
    }
    payable = AuditEntry.objects.filter(action="subsidy.instalment_payable").count()
    assert payable == 1
    # The LMS sends the same result again: the credits and the instalment stay as they are.
    assert put(writers["uni_a"], body).status_code == 201
    assert list(CreditRecord.objects.values_list("study_year", "credits")) == [(1, Decimal("30.0"))]
    assert AuditEntry.objects.filter(action="subsidy.instalment_payable").count() == payable
    assert Instalment.objects.get(application=application, study_year=1).status == Instalment.Status.PAYABLE


def test_the_same_action_as_the_credits_endpoint(writers, api_clients, approved):
    """A year posted through /api/v1 and corrected through OneRoster is one record, one history."""
    enrolment, _application = approved
    posted = api_clients["uni_a"].post(
        f"/api/v1/enrolments/{enrolment.pk}/credits/", {"study_year": 2, "credits": "28"}, format="json"
    )
    assert posted.status_code == 201
    assert put(writers["uni_a"], result(enrolment, year=2, score=29.5)).status_code == 201
    assert list(CreditRecord.objects.values_list("study_year", "credits")) == [(2, Decimal("29.5"))]
    assert list(
        AuditEntry.objects.filter(action="enrolment.credits")
        .order_by("pk")
        .values_list("data__correction", flat=True)
    ) == [False, True]


@pytest.mark.parametrize(
    "body, description",
    [
        ([], '请求体须为 {"result": {…}}，内含成绩的各字段。'),
        ({"results": {}}, '请求体须为 {"result": {…}}，内含成绩的各字段。'),
        ({"result": "30"}, '请求体须为 {"result": {…}}，内含成绩的各字段。'),
        ({"sourcedId": "other"}, "result.sourcedId 须与网址中的 sourcedId 相同。"),
        (
            {"lineItem": {"sourcedId": "cls-aaaaaaaaaa"}},
            "lineItem.sourcedId 须写明班级和学年，例如 cls-k3v9q2m1xa-y1。",
        ),
        (
            {"lineItem": {"sourcedId": "cls-aaaaaaaaaa-y7"}},
            "lineItem.sourcedId 须写明班级和学年，例如 cls-k3v9q2m1xa-y1。",
        ),
        ({"lineItem": "cls-aaaaaaaaaa-y1"}, "lineItem.sourcedId 须写明班级和学年，例如 cls-k3v9q2m1xa-y1。"),
        ({"lineItem": None}, "lineItem.sourcedId 须写明班级和学年，例如 cls-k3v9q2m1xa-y1。"),
        ({"student": {"sourcedId": "enr-aaaaaaaaaa"}}, "student.sourcedId 须为某个用户的 sourcedId。"),
        ({"student": {"sourcedId": 12}}, "student.sourcedId 须为某个用户的 sourcedId。"),
        (
            {"scoreStatus": "partially graded"},
            "只有评定完毕的成绩才算学年学分（scoreStatus 为“fully graded”）。",
        ),
        ({"scoreStatus": None}, "只有评定完毕的成绩才算学年学分（scoreStatus 为“fully graded”）。"),
        ({"score": -1}, "score 须为 0 至 200 的学分数，最多一位小数。"),
        ({"score": 200.5}, "score 须为 0 至 200 的学分数，最多一位小数。"),
        ({"score": 30.25}, "score 须为 0 至 200 的学分数，最多一位小数。"),
        ({"score": "abc"}, "score 须为 0 至 200 的学分数，最多一位小数。"),
        ({"score": "NaN"}, "score 须为 0 至 200 的学分数，最多一位小数。"),
        ({"score": True}, "score 须为 0 至 200 的学分数，最多一位小数。"),
        ({"score": None}, "score 须为 0 至 200 的学分数，最多一位小数。"),
        ({"score": [30]}, "score 须为 0 至 200 的学分数，最多一位小数。"),
    ],
)
def test_a_malformed_result_answers_invaliddata_and_changes_nothing(writers, approved, body, description):
    enrolment, application = approved
    before = state(application)
    if isinstance(body, dict) and not {"results", "result"} & set(body):
        body = result(enrolment, **body)
    response = put(writers["uni_a"], body)
    assert response.status_code == 400
    assert response.json() == status_info(description, "invaliddata")
    conforms(response.json(), "imsx_StatusInfoDType")
    assert state(application) == before


def test_a_result_for_another_universitys_class_or_an_unknown_one_answers_404(writers, approved, uni_b):
    enrolment, application = approved
    foreign = factories.enrolment(uni_b)
    before = state(application)
    cases = [
        ("uni_b", result(enrolment)),  # university B writing A's student
        ("uni_a", result(foreign)),  # A writing B's
        ("uni_a", result(enrolment, lineItem={"sourcedId": "cls-aaaaaaaaaa-y1"})),
        ("uni_a", result(enrolment, student={"sourcedId": ids.encode("usr", foreign.worker_id)})),
    ]
    for client_name, body in cases:
        response = put(writers[client_name], body)
        assert response.status_code == 404, response.json()
        assert response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == (
            "unknownobject"
        )
        conforms(response.json(), "imsx_StatusInfoDType")
    assert state(application) == before


def test_a_result_for_a_student_not_yet_enrolled_answers_422(writers, approved):
    enrolment, application = approved
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.ADMITTED)
    before = state(application)
    response = put(writers["uni_a"], result(enrolment))
    assert response.status_code == 422
    assert response.json() == status_info(
        "只有已注册入学的学员才能登记学分（目前是“已录取”）。", "invaliddata"
    )
    assert state(application) == before


@pytest.mark.parametrize(
    "scope, status",
    [
        ("roster:write", 403),
        (SCOPE + "roster.readonly", 403),
        (SCOPE + "gradebook.createput", 201),
    ],
)
def test_write_back_needs_the_gradebook_scope(client_a, approved, scope, status):
    enrolment, application = approved
    before = state(application)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {factories.token_for(client_a.application, scope)}")
    response = put(client, result(enrolment))
    assert response.status_code == status
    if status == 403:
        assert response.json() == status_info(
            f"访问令牌缺少权限范围“{SCOPE}gradebook.createput”。", "forbidden"
        )
        assert state(application) == before


def test_write_back_needs_the_clients_switch_and_a_token(writers, approved, client_a):
    enrolment, application = approved
    before = state(application)
    response = put(writers["anonymous"], result(enrolment))
    assert response.status_code == 401
    conforms(response.json(), "imsx_StatusInfoDType")
    type(client_a).objects.filter(pk=client_a.pk).update(can_write=False)
    response = put(writers["uni_a"], result(enrolment))
    assert response.status_code == 403
    assert response.json() == status_info("该客户端不能回写成绩。", "forbidden")
    assert state(application) == before


def test_other_gradebook_paths_and_methods_answer_imsx(writers, api_clients, approved):
    response = writers["uni_a"].get(BASE + "lineItems")
    assert response.status_code == 404
    assert response.json() == status_info(f"这里没有 OneRoster 操作“{BASE}lineItems”。", "unknownobject")
    assert writers["uni_a"].get(BASE + "results/res-1").status_code == 403  # a read needs a read scope
    response = api_clients["uni_a"].get(BASE + "results/res-1")
    assert response.status_code == 405
    conforms(response.json(), "imsx_StatusInfoDType")


def test_a_body_that_is_not_json_answers_invaliddata(writers, approved):
    _enrolment, application = approved
    before = state(application)
    response = writers["uni_a"].put(f"{BASE}results/res-1", b'{"result": ', content_type="application/json")
    assert response.status_code == 400
    conforms(response.json(), "imsx_StatusInfoDType")
    assert (
        response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        == "invaliddata"
    )
    assert state(application) == before
