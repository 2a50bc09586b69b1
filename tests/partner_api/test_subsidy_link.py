"""The write-back path end to end: the university confirms the student and posts credits through
the API; the subsidy app makes that study year's instalment payable (same transaction)."""

import pytest

from academy.models import Enrolment
from accounts import roles
from core.models import AuditEntry
from subsidies import actions as subsidy_actions
from subsidies.models import Instalment, SubsidyApplication
from tests.factories import StaffFactory, staff_in
from tests.partner_api import factories
from tests.subsidies.factories import SubsidyApplicationFactory, scheme_with_budget

pytestmark = pytest.mark.django_db


def test_credits_posted_through_the_api_make_the_instalment_payable(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a, status=Enrolment.Status.ADMITTED)
    checker, approver = staff_in(roles.CHECKER), staff_in(roles.APPROVER)
    application = SubsidyApplicationFactory(
        enrolment=enrolment,
        scheme=scheme_with_budget(intakes=[enrolment.intake]),
        status=SubsidyApplication.Status.CHECKED,
        checked_by=checker,
    )
    subsidy_actions.application_approve(application_id=application.pk, acting_user=approver)
    assert set(application.instalments.values_list("status", flat=True)) == {"pending"}
    client = api_clients["uni_a"]

    confirmed = client.patch(
        f"/api/v1/enrolments/{enrolment.pk}/", {"student_number": "ZJ27001"}, format="json"
    )
    assert confirmed.status_code == 200
    posted = client.post(
        f"/api/v1/enrolments/{enrolment.pk}/credits/", {"study_year": 1, "credits": "30"}, format="json"
    )
    assert posted.status_code == 201

    instalments = {i.study_year: i for i in Instalment.objects.filter(application=application)}
    assert instalments[1].status == Instalment.Status.PAYABLE
    assert instalments[1].payable_at is not None
    assert {instalments[year].status for year in instalments if year != 1} == {Instalment.Status.PENDING}
    assert (
        AuditEntry.objects.filter(action="subsidy.instalment_payable", target_id=str(application.pk)).count()
        == 1
    )


def test_credits_refused_by_the_api_leave_the_instalments_pending(api_clients, uni_a, uni_b):
    enrolment = factories.enrolment(uni_a, status=Enrolment.Status.ADMITTED)
    application = SubsidyApplicationFactory(
        enrolment=enrolment,
        scheme=scheme_with_budget(intakes=[enrolment.intake]),
        status=SubsidyApplication.Status.CHECKED,
        checked_by=StaffFactory(),
    )
    subsidy_actions.application_approve(application_id=application.pk, acting_user=staff_in(roles.APPROVER))
    url = f"/api/v1/enrolments/{enrolment.pk}/credits/"
    payload = {"study_year": 1, "credits": "30"}
    assert api_clients["uni_b"].post(url, payload, format="json").status_code == 404
    assert api_clients["uni_a"].post(url, payload, format="json").status_code == 409  # not enrolled yet
    assert set(application.instalments.values_list("status", flat=True)) == {"pending"}
