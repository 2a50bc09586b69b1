"""Every transition of an application, allowed and refused."""

from decimal import Decimal

import pytest

from academy import actions
from academy.models import Enrolment, EnrolmentEvent, Offering
from accounts import roles
from core.exceptions import ApplicationError, TransitionNotAllowed
from core.models import AuditEntry
from notifications.models import Message
from tests.academy.factories import EnrolmentFactory, OfferingFactory, worker
from tests.core.test_uploads import image_bytes
from tests.factories import staff_in

pytestmark = pytest.mark.django_db

Status = Enrolment.Status
ALL = list(Status)


@pytest.fixture
def staff():
    return staff_in(roles.CHECKER)


def certificate():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.uploads import clean_image_or_pdf

    return clean_image_or_pdf(SimpleUploadedFile("diploma.png", image_bytes("PNG")))


def test_a_worker_goes_from_draft_to_submitted():
    offering = OfferingFactory()
    person = worker()
    enrolment = actions.enrolment_start(worker=person, offering_id=offering.pk)
    assert (enrolment.status, enrolment.draft_step, enrolment.intake_id) == ("draft", 2, offering.intake_id)
    actions.enrolment_attach_certificate(worker=person, enrolment_id=enrolment.pk, certificate=certificate())
    enrolment.refresh_from_db()
    assert enrolment.draft_step == 3
    assert enrolment.certificate.name.endswith(".jpg")
    actions.enrolment_submit(worker=person, enrolment_id=enrolment.pk)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.draft_step) == ("submitted", 4)
    assert enrolment.submitted_at is not None
    assert list(enrolment.events.values_list("from_status", "to_status", "actor_role")) == [
        ("", "draft", "worker"),
        ("draft", "submitted", "worker"),
    ]
    assert list(Message.objects.filter(recipient=person).order_by("id").values_list("channel", "kind")) == [
        ("inbox", "enrolment_submitted"),
        ("sms", "enrolment_submitted"),
    ]


def test_starting_again_resumes_the_draft_and_may_change_the_programme():
    first = OfferingFactory()
    other = OfferingFactory(intake=first.intake)
    person = worker()
    draft = actions.enrolment_start(worker=person, offering_id=first.pk)
    again = actions.enrolment_start(worker=person, offering_id=other.pk)
    assert again.pk == draft.pk
    assert again.offering_id == other.pk
    assert Enrolment.objects.count() == 1


def test_one_live_application_per_intake():
    enrolment = EnrolmentFactory()
    with pytest.raises(ApplicationError) as error:
        actions.enrolment_start(
            worker=enrolment.worker, offering_id=OfferingFactory(intake=enrolment.intake).pk
        )
    assert error.value.message == f"你已经申请了{enrolment.intake.name}。请在“我的申请”里继续或撤回。"
    assert Enrolment.objects.count() == 1


def test_the_database_holds_one_live_application_per_intake():
    from django.db import IntegrityError

    enrolment = EnrolmentFactory()
    with pytest.raises(IntegrityError):
        EnrolmentFactory(worker=enrolment.worker, offering=enrolment.offering)


def test_after_a_rejection_the_worker_may_apply_again():
    enrolment = EnrolmentFactory(status=Status.REJECTED)
    again = actions.enrolment_start(worker=enrolment.worker, offering_id=enrolment.offering_id)
    assert again.pk != enrolment.pk


def test_submit_needs_a_certificate():
    person = worker()
    enrolment = actions.enrolment_start(worker=person, offering_id=OfferingFactory().pk)
    with pytest.raises(ApplicationError) as error:
        actions.enrolment_submit(worker=person, enrolment_id=enrolment.pk)
    assert error.value.message == "请先上传学历证明。"


def test_another_workers_draft_cannot_be_touched():
    enrolment = EnrolmentFactory(status=Status.DRAFT, draft_step=2)
    with pytest.raises(Enrolment.DoesNotExist):
        actions.enrolment_submit(worker=worker(), enrolment_id=enrolment.pk)
    with pytest.raises(Enrolment.DoesNotExist):
        actions.enrolment_withdraw(worker=worker(), enrolment_id=enrolment.pk)
    enrolment.refresh_from_db()
    assert enrolment.status == "draft"


@pytest.mark.parametrize(
    "decide, target",
    [
        (lambda pk, user: actions.enrolment_admit(enrolment_id=pk, acting_user=user), "admitted"),
        (lambda pk, user: actions.enrolment_waitlist(enrolment_id=pk, acting_user=user), "waitlisted"),
        (
            lambda pk, user: actions.enrolment_reject(enrolment_id=pk, acting_user=user, reason="材料不全"),
            "rejected",
        ),
    ],
)
def test_staff_decisions_from_submitted(decide, target, staff):
    enrolment = EnrolmentFactory()
    decide(enrolment.pk, staff)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.decided_by_id) == (target, staff.pk)
    event = enrolment.events.get()
    assert (event.from_status, event.to_status, event.actor_id, event.actor_role) == (
        "submitted",
        target,
        staff.pk,
        "staff",
    )
    assert AuditEntry.objects.filter(action__startswith="enrolment.", actor=staff).count() == 1
    assert Message.objects.filter(recipient=enrolment.worker, kind=f"enrolment_{target}").count() == 2


def test_rejection_reason_reaches_the_worker(staff):
    enrolment = EnrolmentFactory()
    actions.enrolment_reject(enrolment_id=enrolment.pk, acting_user=staff, reason="学历证明看不清")
    body = Message.objects.get(recipient=enrolment.worker, channel="inbox").body
    assert body.endswith("原因：学历证明看不清")


def test_rejection_needs_a_reason(staff):
    enrolment = EnrolmentFactory()
    with pytest.raises(ApplicationError) as error:
        actions.enrolment_reject(enrolment_id=enrolment.pk, acting_user=staff, reason="  ")
    assert error.value.message == "请填写不录取的原因，申请人会看到。"
    enrolment.refresh_from_db()
    assert enrolment.status == "submitted"


def test_waitlisted_can_be_admitted_later(staff):
    enrolment = EnrolmentFactory(status=Status.WAITLISTED)
    actions.enrolment_admit(enrolment_id=enrolment.pk, acting_user=staff)
    enrolment.refresh_from_db()
    assert enrolment.status == "admitted"
    assert Offering.objects.get(pk=enrolment.offering_id).seats_taken == 1


# (action, statuses it accepts)
ALLOWED = {
    "admit": {"submitted", "waitlisted"},
    "waitlist": {"submitted"},
    "reject": {"submitted", "waitlisted"},
    "confirm": {"admitted"},
    "complete": {"enrolled"},
}


def run(action: str, enrolment: Enrolment, staff):
    return {
        "admit": lambda: actions.enrolment_admit(enrolment_id=enrolment.pk, acting_user=staff),
        "waitlist": lambda: actions.enrolment_waitlist(enrolment_id=enrolment.pk, acting_user=staff),
        "reject": lambda: actions.enrolment_reject(
            enrolment_id=enrolment.pk, acting_user=staff, reason="不符合"
        ),
        "confirm": lambda: actions.enrolment_confirm(enrolment_id=enrolment.pk, student_number="S001"),
        "complete": lambda: actions.enrolment_complete(enrolment_id=enrolment.pk),
    }[action]()


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("status", ALL)
def test_refused_transitions_change_nothing(action, status, staff):
    if status in ALLOWED[action]:
        return  # the allowed ones are tested above
    enrolment = EnrolmentFactory(
        status=status, student_number="S000" if status in ("enrolled", "completed") else ""
    )
    with pytest.raises(TransitionNotAllowed) as error:
        run(action, enrolment, staff)
    assert error.value.message.startswith(f"第{enrolment.pk}号申请目前是“{Status(status).label}”")
    enrolment.refresh_from_db()
    assert enrolment.status == status
    assert not EnrolmentEvent.objects.filter(enrolment=enrolment).exists()
    assert not Message.objects.exists()


def test_admitted_is_confirmed_with_a_student_number_then_completed(staff):
    enrolment = EnrolmentFactory(status=Status.ADMITTED)
    with pytest.raises(ApplicationError) as error:
        actions.enrolment_confirm(enrolment_id=enrolment.pk, student_number=" ")
    assert error.value.message == "确认注册需要学号。"
    actions.enrolment_confirm(enrolment_id=enrolment.pk, student_number="ZJOU2027S0001")
    actions.enrolment_complete(enrolment_id=enrolment.pk)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.student_number) == ("completed", "ZJOU2027S0001")
    assert list(enrolment.events.values_list("to_status", "actor_role")) == [
        ("enrolled", "university"),
        ("completed", "university"),
    ]


def test_dropping_out_frees_the_seat(staff):
    enrolment = EnrolmentFactory()
    actions.enrolment_admit(enrolment_id=enrolment.pk, acting_user=staff)
    actions.enrolment_drop(enrolment_id=enrolment.pk, reason="工作调动")
    enrolment.refresh_from_db()
    assert enrolment.status == "withdrawn"
    assert Offering.objects.get(pk=enrolment.offering_id).seats_taken == 0


@pytest.mark.parametrize("status", ["draft", "submitted", "waitlisted"])
def test_worker_withdraws_while_undecided(status):
    enrolment = EnrolmentFactory(status=status)
    actions.enrolment_withdraw(worker=enrolment.worker, enrolment_id=enrolment.pk)
    enrolment.refresh_from_db()
    assert enrolment.status == "withdrawn"


@pytest.mark.parametrize("status", ["admitted", "rejected", "enrolled", "withdrawn"])
def test_worker_cannot_withdraw_once_decided(status):
    enrolment = EnrolmentFactory(status=status, student_number="S1" if status == "enrolled" else "")
    with pytest.raises(TransitionNotAllowed) as error:
        actions.enrolment_withdraw(worker=enrolment.worker, enrolment_id=enrolment.pk)
    assert error.value.message == "这份申请已经有结果，不能在这里撤回。"
    enrolment.refresh_from_db()
    assert enrolment.status == status


def test_admitting_beyond_the_seat_limit_is_refused(staff):
    offering = OfferingFactory(seat_limit=1)
    first, second = EnrolmentFactory(offering=offering), EnrolmentFactory(offering=offering)
    actions.enrolment_admit(enrolment_id=first.pk, acting_user=staff)
    with pytest.raises(ApplicationError) as error:
        actions.enrolment_admit(enrolment_id=second.pk, acting_user=staff)
    assert error.value.message == f"{offering}已没有空余名额（共1个，已全部录取）。可以先将申请列入候补。"
    second.refresh_from_db()
    assert second.status == "submitted"
    offering.refresh_from_db()
    assert offering.seats_taken == 1


def test_the_database_refuses_more_seats_than_the_limit():
    from django.db import IntegrityError

    offering = OfferingFactory(seat_limit=1)
    with pytest.raises(IntegrityError):
        Offering.objects.filter(pk=offering.pk).update(seats_taken=2)


def test_credits_are_recorded_for_enrolled_students_and_announced():
    from academy.models import CreditRecord
    from academy.signals import credits_recorded

    received = []

    def receiver(sender, record, acting_user, **kwargs):
        received.append((record.study_year, str(record.credits)))

    credits_recorded.connect(receiver)
    try:
        enrolment = EnrolmentFactory(status=Status.ENROLLED, student_number="S1")
        actions.enrolment_record_credits(enrolment_id=enrolment.pk, study_year=1, credits="30.0")
        actions.enrolment_record_credits(
            enrolment_id=enrolment.pk, study_year=1, credits="32.5"
        )  # a correction
    finally:
        credits_recorded.disconnect(receiver)
    assert received == [(1, "30.0"), (1, "32.5")]
    assert list(CreditRecord.objects.values_list("study_year", "credits")) == [(1, Decimal("32.5"))]


@pytest.mark.parametrize("status", ["submitted", "admitted", "withdrawn"])
def test_credits_need_an_enrolled_student(status):
    from academy.models import CreditRecord

    enrolment = EnrolmentFactory(status=status)
    with pytest.raises(TransitionNotAllowed) as error:
        actions.enrolment_record_credits(enrolment_id=enrolment.pk, study_year=1, credits="30")
    assert error.value.message == f"只有已注册入学的学员才能登记学分（目前是“{Status(status).label}”）。"
    assert not CreditRecord.objects.exists()


def test_staff_reading_english_still_write_to_the_worker_in_chinese(staff):
    from django.utils import translation

    enrolment = EnrolmentFactory()
    with translation.override("en"):
        actions.enrolment_reject(enrolment_id=enrolment.pk, acting_user=staff, reason="学历证明看不清")
    body = Message.objects.get(recipient=enrolment.worker, channel="inbox").body
    assert body.endswith("原因：学历证明看不清")
    assert body.isascii() is False and "reason" not in body.lower()
