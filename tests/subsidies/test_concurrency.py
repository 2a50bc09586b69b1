"""The budget under concurrent approvals: real threads against PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from accounts import roles
from core.exceptions import ApplicationError
from subsidies import actions
from subsidies.models import Budget, SubsidyApplication
from tests.factories import staff_in
from tests.subsidies.factories import SubsidyApplicationFactory, admitted_enrolment, scheme_with_budget


@pytest.mark.django_db(transaction=True)
def test_budget_is_never_overspent():
    scheme = scheme_with_budget(total="50000.00")
    checker = staff_in(roles.CHECKER)
    approvers = [staff_in(roles.APPROVER) for _ in range(4)]
    ids = [
        SubsidyApplicationFactory(
            enrolment=admitted_enrolment(tuition="10000.00", scheme=scheme),
            scheme=scheme,
            status="checked",
            checked_by=checker,
        ).pk
        for _ in range(12)
    ]

    def approve(index_and_id):
        index, application_id = index_and_id
        try:
            actions.application_approve(application_id=application_id, acting_user=approvers[index % 4])
            return "approved"
        except ApplicationError:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(approve, enumerate(ids)))

    assert outcomes.count("approved") == 5  # 5 × ¥10,000 fit in ¥50,000
    assert outcomes.count("refused") == 7
    budget = Budget.objects.get(scheme=scheme)
    approved = SubsidyApplication.objects.filter(status="approved")
    assert budget.committed == sum(application.amount for application in approved) == Decimal("50000.00")
    assert budget.committed <= budget.total
    assert SubsidyApplication.objects.filter(status="checked").count() == 7
