"""Subsidy life cycle: transitions, the four-eyes rule, caps, budget and instalments."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from academy.actions import enrolment_confirm, enrolment_record_credits
from accounts import roles
from core.exceptions import ApplicationError, TransitionNotAllowed
from core.models import StatusChange
from core.uploads import clean_image_or_pdf
from notifications.models import Message
from subsidies import actions
from subsidies.models import ApplicationEvent, Budget, Instalment, SubsidyApplication
from tests.academy.factories import worker
from tests.core.test_uploads import MINIMAL_PDF
from tests.factories import staff_in
from tests.subsidies.factories import SubsidyApplicationFactory, admitted_enrolment, scheme_with_budget

pytestmark = pytest.mark.django_db

Status = SubsidyApplication.Status


@pytest.fixture
def checker():
    return staff_in(roles.CHECKER)


@pytest.fixture
def approver():
    return staff_in(roles.APPROVER)


def proof():
    return clean_image_or_pdf(SimpleUploadedFile("proof.pdf", MINIMAL_PDF))


def test_worker_applies_and_the_amount_is_min_of_cap_and_tuition():
    scheme = scheme_with_budget()
    enrolment = admitted_enrolment(tuition="11200.00", scheme=scheme)
    application = actions.application_start(worker=enrolment.worker, enrolment_id=enrolment.pk)
    assert (application.status, application.cap, application.tuition, application.amount) == (
        "draft",
        Decimal("10000.00"),
        Decimal("11200.00"),
        Decimal("10000.00"),
    )
    with pytest.raises(ApplicationError) as error:
        actions.application_submit(worker=enrolment.worker, application_id=application.pk)
    assert error.value.message == "请上传：工作证明。"
    actions.application_attach_documents(
        worker=enrolment.worker, application_id=application.pk, documents={"employment_proof": proof()}
    )
    actions.application_submit(worker=enrolment.worker, application_id=application.pk)
    application.refresh_from_db()
    assert (application.status, application.amount) == ("submitted", Decimal("10000.00"))
    assert Message.objects.filter(recipient=enrolment.worker, kind="subsidy_submitted").count() == 2


def test_ride_hailing_drivers_get_their_lower_cap():
    scheme = scheme_with_budget()
    enrolment = admitted_enrolment(tuition="7200.00", scheme=scheme, worker=worker(occupation="ride_hailing"))
    application = actions.application_start(worker=enrolment.worker, enrolment_id=enrolment.pk)
    assert (application.cap, application.amount) == (Decimal("6000.00"), Decimal("6000.00"))


def test_an_unfunded_occupation_cannot_apply():
    scheme = scheme_with_budget()
    enrolment = admitted_enrolment(scheme=scheme, worker=worker(occupation="other"))
    with pytest.raises(ApplicationError) as error:
        actions.application_start(worker=enrolment.worker, enrolment_id=enrolment.pk)
    assert error.value.message == "你现在还不能申请学费资助：这个资助计划不资助你的职业（其他）。"
    assert not SubsidyApplication.objects.exists()


def test_one_application_per_enrolment():
    application = SubsidyApplicationFactory()
    with pytest.raises(ApplicationError) as error:
        actions.application_start(worker=application.applicant, enrolment_id=application.enrolment_id)
    assert error.value.message == "你已经为这个专业申请过学费资助。"
    with pytest.raises(IntegrityError):
        SubsidyApplicationFactory(enrolment=application.enrolment)


@pytest.mark.parametrize(
    "field_values",
    [
        {
            "amount": Decimal("10000.01"),
            "cap": Decimal("10000.00"),
            "tuition": Decimal("20000.00"),
        },  # above the cap
        {
            "amount": Decimal("8000.00"),
            "cap": Decimal("10000.00"),
            "tuition": Decimal("7200.00"),
        },  # above tuition
        {
            "amount": Decimal("12000.00"),
            "cap": Decimal("12000.00"),
            "tuition": Decimal("20000.00"),
        },  # cap above policy
    ],
)
def test_the_database_refuses_amounts_above_cap_or_tuition(field_values):
    application = SubsidyApplicationFactory()
    with pytest.raises(IntegrityError):
        SubsidyApplication.objects.filter(pk=application.pk).update(**field_values)


def test_check_then_approve_by_a_different_person(checker, approver):
    application = SubsidyApplicationFactory()
    actions.application_check(application_id=application.pk, acting_user=checker)
    actions.application_approve(application_id=application.pk, acting_user=approver)
    application.refresh_from_db()
    assert (application.status, application.checked_by_id, application.decided_by_id) == (
        "approved",
        checker.pk,
        approver.pk,
    )
    budget = Budget.objects.get(scheme=application.scheme)
    assert (budget.committed, budget.paid) == (Decimal("7200.00"), Decimal("0"))
    assert list(application.instalments.values_list("study_year", "amount", "status")) == [
        (1, Decimal("2400.00"), "pending"),
        (2, Decimal("2400.00"), "pending"),
        (3, Decimal("2400.00"), "pending"),
    ]
    assert list(application.events.values_list("to_status", "role")) == [
        ("checked", "checker"),
        ("approved", "approver"),
    ]


def test_the_checker_cannot_approve_their_own_check_even_through_the_action():
    checker = staff_in(roles.CHECKER, roles.APPROVER)  # holds both roles: the two-person rule still holds
    application = SubsidyApplicationFactory()
    actions.application_check(application_id=application.pk, acting_user=checker)
    for decide in (
        lambda: actions.application_approve(application_id=application.pk, acting_user=checker),
        lambda: actions.application_reject(
            application_id=application.pk, acting_user=checker, reason="不符合"
        ),
    ):
        with pytest.raises(actions.FourEyesViolation) as error:
            decide()
        assert (
            error.value.message == f"第{application.pk}号申请是你初审的，必须由另一位审批人决定（双人复核）。"
        )
    application.refresh_from_db()
    assert application.status == "checked"
    assert Budget.objects.get(scheme=application.scheme).committed == 0


def test_the_database_holds_the_four_eyes_rule(checker):
    application = SubsidyApplicationFactory(status=Status.CHECKED, checked_by=checker)
    with pytest.raises(IntegrityError):
        SubsidyApplication.objects.filter(pk=application.pk).update(decided_by=checker, status="approved")


def test_approval_that_would_overspend_is_refused_and_stays_in_the_queue(checker, approver):
    application = SubsidyApplicationFactory(status=Status.CHECKED, checked_by=checker)
    Budget.objects.filter(scheme=application.scheme).update(total=Decimal("5000.00"))
    with pytest.raises(actions.BudgetExhausted) as error:
        actions.application_approve(application_id=application.pk, acting_user=approver)
    assert error.value.message == (
        f"批准第{application.pk}号申请（¥7,200.00）会超出{application.scheme.name}的预算：只剩¥5,000.00。申请仍留在待审队列中。"
    )
    application.refresh_from_db()
    assert application.status == "checked"
    assert not Instalment.objects.exists()


def test_return_for_more_information_and_resubmit(checker):
    application = SubsidyApplicationFactory()
    actions.application_return(application_id=application.pk, acting_user=checker, reason="工作证明看不清")
    application.refresh_from_db()
    assert (application.status, application.reason) == ("returned", "工作证明看不清")
    actions.application_submit(worker=application.applicant, application_id=application.pk)
    application.refresh_from_db()
    assert application.status == "submitted"


def test_return_needs_a_reason(checker):
    application = SubsidyApplicationFactory()
    with pytest.raises(ApplicationError) as error:
        actions.application_return(application_id=application.pk, acting_user=checker, reason="")
    assert error.value.message == "请填写原因，申请人会看到。"


def test_one_appeal_decided_by_a_different_approver(approver):
    checker = staff_in(roles.CHECKER, roles.APPROVER)  # may approve, but checked this one
    application = SubsidyApplicationFactory(status=Status.CHECKED, checked_by=checker)
    actions.application_reject(application_id=application.pk, acting_user=approver, reason="从业时间不足")
    actions.application_appeal(
        worker=application.applicant, application_id=application.pk, reason="已补充社保记录"
    )
    for same in (checker, approver):
        with pytest.raises(actions.FourEyesViolation):
            actions.application_decide_appeal(
                application_id=application.pk, acting_user=same, uphold=True, reason="x"
            )
    other = staff_in(roles.APPROVER)
    actions.application_decide_appeal(
        application_id=application.pk, acting_user=other, uphold=False, reason="材料仍不足"
    )
    application.refresh_from_db()
    assert (application.status, application.decided_by_id) == ("rejected", other.pk)
    with pytest.raises(TransitionNotAllowed) as error:
        actions.application_appeal(
            worker=application.applicant, application_id=application.pk, reason="再试一次"
        )
    assert error.value.message == "每份申请只能申诉一次。"


def test_an_upheld_appeal_commits_the_budget(checker, approver):
    application = SubsidyApplicationFactory(status=Status.CHECKED, checked_by=checker)
    actions.application_reject(application_id=application.pk, acting_user=approver, reason="不符合")
    actions.application_appeal(worker=application.applicant, application_id=application.pk, reason="符合")
    actions.application_decide_appeal(
        application_id=application.pk, acting_user=staff_in(roles.APPROVER), uphold=True, reason="核实无误"
    )
    application.refresh_from_db()
    assert application.status == "approved"
    assert Budget.objects.get(scheme=application.scheme).committed == Decimal("7200.00")
    assert application.instalments.count() == 3


ALLOWED = {
    "check": {"submitted"},
    "approve": {"checked"},
    "reject": {"checked"},
    "return": {"submitted", "checked"},
}


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("status", list(Status))
def test_refused_transitions_change_nothing(action, status, checker, approver):
    if status in ALLOWED[action]:
        return
    application = SubsidyApplicationFactory(status=status)
    run = {
        "check": lambda: actions.application_check(application_id=application.pk, acting_user=checker),
        "approve": lambda: actions.application_approve(application_id=application.pk, acting_user=approver),
        "reject": lambda: actions.application_reject(
            application_id=application.pk, acting_user=approver, reason="x"
        ),
        "return": lambda: actions.application_return(
            application_id=application.pk, acting_user=checker, reason="x"
        ),
    }[action]
    with pytest.raises(TransitionNotAllowed) as error:
        run()
    assert error.value.message.startswith(f"第{application.pk}号资助申请目前是“{Status(status).label}”")
    application.refresh_from_db()
    assert application.status == status
    assert not ApplicationEvent.objects.exists()
    assert Budget.objects.get(scheme=application.scheme).committed == 0


def approved_application(checker, approver, **fields):
    application = SubsidyApplicationFactory(status=Status.CHECKED, checked_by=checker, **fields)
    return actions.application_approve(application_id=application.pk, acting_user=approver)


def test_no_payment_before_credits(checker, approver):
    application = approved_application(checker, approver)
    first = application.instalments.get(study_year=1)
    with pytest.raises(TransitionNotAllowed) as error:
        actions.instalment_mark_paid(
            instalment_id=first.pk, acting_user=approver, reference="PAY-1", paid_on=dt.date(2027, 7, 1)
        )
    assert error.value.message == "第1学年的分期目前是“等待学分”：只有已登记学分、可拨付的分期才能付款。"
    assert Budget.objects.get(scheme=application.scheme).paid == 0


def test_credits_make_the_instalment_payable_then_paid_in_full(checker, approver):
    application = approved_application(checker, approver)
    enrolment_confirm(enrolment_id=application.enrolment_id, student_number="ZJOU1")
    for year in (1, 2, 3):
        enrolment_record_credits(enrolment_id=application.enrolment_id, study_year=year, credits="28")
        instalment = application.instalments.get(study_year=year)
        assert instalment.status == "payable"
        actions.instalment_mark_paid(
            instalment_id=instalment.pk,
            acting_user=approver,
            reference=f"PAY-{year}",
            paid_on=dt.date(2027, 7, year),
        )
        application.refresh_from_db()
        assert application.status == ("paid" if year == 3 else "disbursing")
    budget = Budget.objects.get(scheme=application.scheme)
    assert budget.paid == budget.committed == Decimal("7200.00")
    assert Message.objects.filter(recipient=application.applicant, kind="subsidy_paid").count() == 2
    # Each instalment moved through its transition table: payable (the credits, no person), then paid.
    by_year = dict(application.instalments.values_list("pk", "study_year"))
    assert [
        (by_year[int(change.target_id)], change.from_status, change.to_status, change.actor_id)
        for change in StatusChange.objects.filter(target_type="subsidies.instalment").order_by("pk")
    ] == [
        (year, *move)
        for year in (1, 2, 3)
        for move in (("pending", "payable", None), ("payable", "paid", approver.pk))
    ]


def test_credits_recorded_before_approval_make_the_first_instalment_payable_at_once(checker, approver):
    application = SubsidyApplicationFactory(status=Status.CHECKED, checked_by=checker)
    enrolment_confirm(enrolment_id=application.enrolment_id, student_number="ZJOU2")
    enrolment_record_credits(enrolment_id=application.enrolment_id, study_year=1, credits="30")
    actions.application_approve(application_id=application.pk, acting_user=approver)
    assert list(application.instalments.values_list("study_year", "status")) == [
        (1, "payable"),
        (2, "pending"),
        (3, "pending"),
    ]


def test_paid_never_exceeds_approved(checker, approver):
    application = approved_application(checker, approver)
    enrolment_confirm(enrolment_id=application.enrolment_id, student_number="ZJOU3")
    enrolment_record_credits(enrolment_id=application.enrolment_id, study_year=1, credits="28")
    first = application.instalments.get(study_year=1)
    actions.instalment_mark_paid(
        instalment_id=first.pk, acting_user=approver, reference="PAY-1", paid_on=dt.date(2027, 7, 1)
    )
    with pytest.raises(TransitionNotAllowed) as twice:
        actions.instalment_mark_paid(
            instalment_id=first.pk, acting_user=approver, reference="PAY-1b", paid_on=dt.date(2027, 7, 2)
        )
    assert twice.value.message == "第1学年的分期目前是“已拨付”：只有已登记学分、可拨付的分期才能付款。"
    first.refresh_from_db()
    assert first.payment_reference == "PAY-1"
    assert Budget.objects.get(scheme=application.scheme).paid == first.amount
    with pytest.raises(IntegrityError):
        Budget.objects.filter(scheme=application.scheme).update(paid=Decimal("7200.01"))


def test_payment_needs_a_reference(checker, approver):
    application = approved_application(checker, approver)
    with pytest.raises(ApplicationError) as error:
        actions.instalment_mark_paid(
            instalment_id=application.instalments.first().pk,
            acting_user=approver,
            reference=" ",
            paid_on=None,
        )
    assert error.value.message == "需要填写付款凭证号和付款日期。"


@pytest.mark.parametrize(
    "amount, years, shares",
    [
        (Decimal("10000.00"), Decimal("2.5"), [Decimal("3333.33"), Decimal("3333.33"), Decimal("3333.34")]),
        (Decimal("7200.00"), Decimal("2.0"), [Decimal("3600.00"), Decimal("3600.00")]),
        (Decimal("0.05"), Decimal("3"), [Decimal("0.01"), Decimal("0.01"), Decimal("0.03")]),
    ],
)
def test_split_by_study_year_sums_to_the_amount(amount, years, shares):
    assert actions.split_by_study_year(amount, years) == shares
    assert sum(shares) == amount


def test_staff_reading_english_still_write_to_the_worker_in_chinese(checker, approver):
    from django.utils import translation

    application = SubsidyApplicationFactory()
    with translation.override("en"):
        actions.application_check(application_id=application.pk, acting_user=checker)
        actions.application_approve(application_id=application.pk, acting_user=approver)
    subjects = set(
        Message.objects.filter(recipient=application.applicant, kind="subsidy_approved").values_list(
            "subject", flat=True
        )
    )
    assert subjects == {"学费资助已批准"}


def test_staff_never_review_their_own_application_and_no_page_offers_it(checker):
    """One rule in one place (subsidies.actions._not_the_applicant on the staff moves of the table):
    the actions refuse it, and what the admin offers follows from the same table."""
    from django.contrib.auth.models import Group

    from core.models import AuditEntry

    application = SubsidyApplicationFactory()
    courier_on_staff = application.applicant
    courier_on_staff.is_staff = True
    courier_on_staff.save(update_fields=["is_staff"])
    courier_on_staff.groups.add(*Group.objects.filter(name__in=[roles.CHECKER, roles.APPROVER]))
    audit_rows = AuditEntry.objects.count()
    for review in (
        lambda: actions.application_check(application_id=application.pk, acting_user=courier_on_staff),
        lambda: actions.application_return(
            application_id=application.pk, acting_user=courier_on_staff, reason="请补材料"
        ),
    ):
        with pytest.raises(actions.FourEyesViolation) as error:
            review()
        assert error.value.message == f"第{application.pk}号申请是你本人的：须由同事审核、决定和发放。"
    application.refresh_from_db()
    assert (application.status, application.checked_by_id) == ("submitted", None)
    assert not application.events.exists()
    assert AuditEntry.objects.count() == audit_rows
    # As the applicant they may still withdraw it; none of the staff moves is offered.
    assert [move.name for move in actions.TRANSITIONS.offered(application, courier_on_staff)] == ["withdraw"]
    assert [move.name for move in actions.TRANSITIONS.offered(application, checker)] == ["check", "return"]
    # A colleague checks it; the courier on staff cannot decide it either.
    actions.application_check(application_id=application.pk, acting_user=checker)
    with pytest.raises(actions.FourEyesViolation):
        actions.application_approve(application_id=application.pk, acting_user=courier_on_staff)
    application.refresh_from_db()
    assert application.status == "checked"
