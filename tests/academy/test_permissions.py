"""Staff decisions on enrolments and staff-recorded credits check their permission in the action."""

from decimal import Decimal

import pytest

from academy import actions
from academy.models import CreditRecord, Enrolment
from accounts import roles
from core.exceptions import PermissionDenied
from core.models import AuditEntry
from tests.academy.factories import EnrolmentFactory
from tests.factories import StaffFactory, staff_in

pytestmark = pytest.mark.django_db
MISSING = "您没有执行此操作的权限（%s）。"

DECISIONS = {
    "admit": lambda pk, user: actions.enrolment_admit(enrolment_id=pk, acting_user=user),
    "waitlist": lambda pk, user: actions.enrolment_waitlist(enrolment_id=pk, acting_user=user),
    "reject": lambda pk, user: actions.enrolment_reject(enrolment_id=pk, acting_user=user, reason="不符合"),
}


@pytest.mark.parametrize("decision", list(DECISIONS))
@pytest.mark.parametrize("role", [None, roles.APPROVER, roles.SERVICE_STAFF])
def test_deciding_without_the_permission_is_refused_and_changes_nothing(decision, role):
    enrolment = EnrolmentFactory()
    seats = enrolment.offering.seats_taken
    user = staff_in(role) if role else StaffFactory()
    with pytest.raises(PermissionDenied) as error:
        DECISIONS[decision](enrolment.pk, user)
    assert (error.value.message, error.value.status_code) == (MISSING % "academy.decide_enrolment", 403)
    enrolment.refresh_from_db()
    enrolment.offering.refresh_from_db()
    assert (enrolment.status, enrolment.decided_by_id, enrolment.offering.seats_taken) == (
        "submitted",
        None,
        seats,
    )
    assert (enrolment.events.count(), AuditEntry.objects.count()) == (0, 0)


@pytest.mark.parametrize("decision", list(DECISIONS))
def test_the_checker_decides_with_an_audit_row(decision):
    enrolment = EnrolmentFactory()
    checker = staff_in(roles.CHECKER)
    DECISIONS[decision](enrolment.pk, checker)
    assert AuditEntry.objects.filter(actor=checker, target_id=str(enrolment.pk)).count() == 1


def test_staff_record_credits_only_with_a_subsidy_review_role():
    enrolment = EnrolmentFactory(status=Enrolment.Status.ENROLLED, student_number="ZJ1")
    with pytest.raises(PermissionDenied) as error:
        actions.enrolment_record_credits(
            enrolment_id=enrolment.pk,
            study_year=1,
            credits=Decimal("30"),
            acting_user=staff_in(roles.GRID_ADMIN),
        )
    assert error.value.message == MISSING % (
        "subsidies.check_subsidyapplication / subsidies.approve_subsidyapplication"
    )
    assert (CreditRecord.objects.count(), AuditEntry.objects.count()) == (0, 0)
    approver = staff_in(roles.APPROVER)
    record = actions.enrolment_record_credits(
        enrolment_id=enrolment.pk, study_year=1, credits=Decimal("30"), acting_user=approver
    )
    assert (record.recorded_by_id, record.recorded_role) == (approver.pk, "staff")
    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.data) == (
        approver.pk,
        {"study_year": 1, "credits": "30", "correction": False},
    )
