"""Every staff write of the subsidies checks its own permission in the action (not only in the admin).

A refused call says exactly which permission is missing and changes nothing: the row, the budget
and the audit log stay as they were. The admin forms for schemes and budgets write through the
actions, so an edit there leaves an audit row.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import Occupation
from core.exceptions import PermissionDenied
from core.models import AuditEntry
from subsidies import actions
from subsidies.models import Budget, Instalment, OccupationCap, Scheme, SubsidyApplication
from tests.academy.factories import IntakeFactory
from tests.factories import StaffFactory, WorkerProfileFactory, staff_in
from tests.subsidies.factories import SubsidyApplicationFactory, scheme_with_budget

pytestmark = pytest.mark.django_db

Status = SubsidyApplication.Status
MISSING = "您没有执行此操作的权限（%s）。"


def state(application: SubsidyApplication) -> tuple:
    application.refresh_from_db()
    budget = Budget.objects.get(scheme_id=application.scheme_id)
    return (
        application.status,
        application.checked_by_id,
        application.decided_by_id,
        budget.total,
        budget.committed,
        budget.paid,
        list(application.instalments.values_list("status", flat=True)),
    )


def payable(application: SubsidyApplication) -> Instalment:
    Budget.objects.filter(scheme_id=application.scheme_id).update(committed=application.amount)
    return Instalment.objects.create(
        application=application,
        study_year=1,
        amount=Decimal("3600.00"),
        status=Instalment.Status.PAYABLE,
        payable_at=timezone.now(),
    )


CASES = {
    "check": (
        Status.SUBMITTED,
        "subsidies.check_subsidyapplication",
        lambda app, user: actions.application_check(application_id=app.pk, acting_user=user),
    ),
    "return": (
        Status.SUBMITTED,
        "subsidies.check_subsidyapplication / subsidies.approve_subsidyapplication",
        lambda app, user: actions.application_return(
            application_id=app.pk, acting_user=user, reason="补材料"
        ),
    ),
    "approve": (
        Status.CHECKED,
        "subsidies.approve_subsidyapplication",
        lambda app, user: actions.application_approve(application_id=app.pk, acting_user=user),
    ),
    "reject": (
        Status.CHECKED,
        "subsidies.approve_subsidyapplication",
        lambda app, user: actions.application_reject(
            application_id=app.pk, acting_user=user, reason="不符合"
        ),
    ),
    "appeal": (
        Status.APPEALED,
        "subsidies.approve_subsidyapplication",
        lambda app, user: actions.application_decide_appeal(
            application_id=app.pk, acting_user=user, uphold=True, reason="核实无误"
        ),
    ),
    "pay": (
        Status.DISBURSING,
        "subsidies.pay_instalment",
        lambda app, user: actions.instalment_mark_paid(
            instalment_id=app.instalments.get().pk,
            acting_user=user,
            reference="BANK-1",
            paid_on=dt.date(2027, 7, 1),
        ),
    ),
    "budget": (
        Status.SUBMITTED,
        "subsidies.change_budget",
        lambda app, user: actions.budget_set_total(
            scheme_id=app.scheme_id, total=Decimal("900000.00"), acting_user=user, reason="追加"
        ),
    ),
}

# Who holds a role yet lacks the permission of that step (and a staff member with no role at all).
WRONG_ROLE = {
    "check": roles.APPROVER,
    "return": roles.SERVICE_STAFF,
    "approve": roles.CHECKER,
    "reject": roles.CHECKER,
    "appeal": roles.CHECKER,
    "pay": roles.CHECKER,
    "budget": roles.APPROVER,
}
RIGHT_ROLE = {
    "check": roles.CHECKER,
    "return": roles.CHECKER,
    "approve": roles.APPROVER,
    "reject": roles.APPROVER,
    "appeal": roles.APPROVER,
    "pay": roles.APPROVER,
}


@pytest.mark.parametrize("step", list(CASES))
@pytest.mark.parametrize("who", ["no role", "wrong role", "inactive"])
def test_a_staff_write_without_its_permission_is_refused_and_changes_nothing(step, who):
    status, permission, call = CASES[step]
    application = SubsidyApplicationFactory(status=status, checked_by=StaffFactory())
    if step == "pay":
        payable(application)
    user = {
        "no role": lambda: StaffFactory(),
        "wrong role": lambda: staff_in(WRONG_ROLE[step]),
        "inactive": lambda: staff_in(*roles.STAFF_GROUPS, is_active=False),
    }[who]()
    before, audit_rows = state(application), AuditEntry.objects.count()
    with pytest.raises(PermissionDenied) as error:
        call(application, user)
    assert (error.value.message, error.value.status_code) == (MISSING % permission, 403)
    assert state(application) == before
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize("step", list(RIGHT_ROLE))
def test_the_role_holding_the_permission_does_it_with_an_audit_row(step):
    status, _, call = CASES[step]
    application = SubsidyApplicationFactory(status=status, checked_by=StaffFactory())
    if step == "pay":
        payable(application)
    user = staff_in(RIGHT_ROLE[step])
    call(application, user)
    assert AuditEntry.objects.filter(actor=user, target_id=str(application.pk)).count() == 1


def test_a_worker_cannot_use_a_staff_action():
    application = SubsidyApplicationFactory(status=Status.SUBMITTED)
    with pytest.raises(PermissionDenied) as error:
        actions.application_check(application_id=application.pk, acting_user=WorkerProfileFactory().user)
    assert error.value.message == MISSING % "subsidies.check_subsidyapplication"
    application.refresh_from_db()
    assert (application.status, AuditEntry.objects.count()) == ("submitted", 0)


def scheme_values(scheme: Scheme, **changes) -> dict:
    return {field: getattr(scheme, field) for field in actions.SCHEME_FIELDS} | changes


CAPS = {
    Occupation.COURIER: (Decimal("10000.00"), 1),
    Occupation.FOOD_DELIVERY: (Decimal("10000.00"), 1),
    Occupation.RIDE_HAILING: (Decimal("6000.00"), 2),
}


def test_changing_a_scheme_needs_the_change_permission_and_changes_nothing_without_it():
    scheme = scheme_with_budget()
    with pytest.raises(PermissionDenied) as error:
        actions.scheme_save(
            scheme_id=scheme.pk,
            values=scheme_values(scheme, default_cap=Decimal("8000.00")),
            intakes=[],
            caps={},
            acting_user=staff_in(roles.APPROVER),
        )
    assert error.value.message == MISSING % "subsidies.change_scheme"
    scheme.refresh_from_db()
    assert (scheme.default_cap, scheme.occupation_caps.count(), AuditEntry.objects.count()) == (
        Decimal("10000.00"),
        3,
        0,
    )


def test_a_scheme_change_is_audited_with_each_value_before_and_after():
    scheme = scheme_with_budget()
    admin_user = StaffFactory(is_superuser=True)
    caps = {**CAPS, Occupation.RIDE_HAILING: (Decimal("5000.00"), 2)}
    del caps[Occupation.FOOD_DELIVERY]
    actions.scheme_save(
        scheme_id=scheme.pk,
        values=scheme_values(scheme, default_cap=Decimal("8000.00")),
        intakes=[],
        caps=caps,
        acting_user=admin_user,
    )
    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.action, entry.target_id) == (
        admin_user.pk,
        "subsidy.scheme_change",
        str(scheme.pk),
    )
    assert entry.data == {
        "changed": {
            "default_cap": {"from": "10000.00", "to": "8000.00"},
            "caps": {
                "from": {
                    "courier": ["10000.00", 1],
                    "food_delivery": ["10000.00", 1],
                    "ride_hailing": ["6000.00", 2],
                },
                "to": {"courier": ["10000.00", 1], "ride_hailing": ["5000.00", 2]},
            },
        }
    }


def test_a_cap_above_the_policy_is_refused_by_the_action_and_nothing_is_saved():
    scheme = scheme_with_budget()
    with pytest.raises(actions.ApplicationError) as error:
        actions.scheme_save(
            scheme_id=scheme.pk,
            values=scheme_values(scheme),
            intakes=[],
            caps={Occupation.COURIER: (Decimal("12000.00"), 1)},
            acting_user=StaffFactory(is_superuser=True),
        )
    # The database's policy constraint, checked by the action before it writes anything.
    assert error.value.message == "约束 “occupation_cap_within_policy” 是无效的"
    assert sorted(OccupationCap.objects.filter(scheme=scheme).values_list("occupation", flat=True)) == [
        "courier",
        "food_delivery",
        "ride_hailing",
    ]
    assert AuditEntry.objects.count() == 0


def cap_rows(scheme: Scheme, rows: list[tuple]) -> dict:
    existing = list(scheme.occupation_caps.order_by("pk"))
    data = {
        "occupation_caps-TOTAL_FORMS": str(len(rows)),
        "occupation_caps-INITIAL_FORMS": str(len(existing)),
        "occupation_caps-MIN_NUM_FORMS": "0",
        "occupation_caps-MAX_NUM_FORMS": "1000",
    }
    for index, (cap_id, occupation, cap, priority, delete) in enumerate(rows):
        prefix = f"occupation_caps-{index}-"
        data |= {
            f"{prefix}id": str(cap_id or ""),
            f"{prefix}scheme": str(scheme.pk),
            f"{prefix}occupation": occupation,
            f"{prefix}cap": cap,
            f"{prefix}priority": str(priority),
        }
        if delete:
            data[f"{prefix}DELETE"] = "on"
    return data


def test_the_scheme_change_form_writes_through_the_action_and_leaves_an_audit_row(client):
    intake = IntakeFactory()
    scheme = scheme_with_budget(name="2027年学历提升资助")
    courier, food, ride = scheme.occupation_caps.order_by("pk")
    admin_user = StaffFactory(is_superuser=True)
    client.force_login(admin_user)
    form = {
        "name": scheme.name,
        "year": "2027",
        "default_cap": "9000.00",
        "min_age": "18",
        "max_age": "45",
        "min_months_in_trade": "6",
        "requires_district_work": "on",
        "requires_employment_proof": "on",
        "is_open": "on",
        "intakes": [str(intake.pk)],
    } | cap_rows(
        scheme,
        [
            (courier.pk, "courier", "9000.00", 1, False),
            (food.pk, "food_delivery", "10000.00", 1, True),
            (ride.pk, "ride_hailing", "6000.00", 2, False),
        ],
    )
    response = client.post(reverse("admin:subsidies_scheme_change", args=[scheme.pk]), form)
    assert (response.status_code, response["Location"]) == (302, reverse("admin:subsidies_scheme_changelist"))
    scheme.refresh_from_db()
    assert (scheme.default_cap, list(scheme.intakes.all())) == (Decimal("9000.00"), [intake])
    assert sorted(scheme.occupation_caps.values_list("occupation", "cap")) == [
        ("courier", Decimal("9000.00")),
        ("ride_hailing", Decimal("6000.00")),
    ]
    entry = AuditEntry.objects.get(action="subsidy.scheme_change")
    assert (entry.actor_id, entry.target_id) == (admin_user.pk, str(scheme.pk))
    assert entry.data["changed"]["default_cap"] == {"from": "10000.00", "to": "9000.00"}
    assert entry.data["changed"]["intakes"] == {"from": [], "to": [intake.pk]}
    assert entry.data["changed"]["caps"]["to"] == {"courier": ["9000.00", 1], "ride_hailing": ["6000.00", 2]}


def test_the_budget_form_shows_the_actions_refusal_and_saves_nothing(client):
    application = SubsidyApplicationFactory(status=Status.CHECKED, checked_by=StaffFactory())
    actions.application_approve(application_id=application.pk, acting_user=staff_in(roles.APPROVER))
    budget = Budget.objects.get(scheme=application.scheme)
    client.force_login(StaffFactory(is_superuser=True))
    audit_rows = AuditEntry.objects.count()
    response = client.post(
        reverse("admin:subsidies_budget_change", args=[budget.pk]), {"total": "1000.00", "reason": "年中调整"}
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert (form.errors, form["total"].value()) == (
        {"total": ["总额不能少于已占用的金额（¥7,200.00）。"]},
        "1000.00",
    )
    budget.refresh_from_db()
    assert (budget.total, AuditEntry.objects.count()) == (Decimal("500000.00"), audit_rows)
