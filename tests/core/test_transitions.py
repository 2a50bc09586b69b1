"""core.transitions: the one code path of every status change, on a table of its own over service
requests (so the rules here are the mechanism's, not the services app's)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.utils import translation

from accounts import roles
from core.exceptions import ApplicationError, PermissionDenied, TransitionNotAllowed
from core.models import AuditEntry
from core.transitions import Change, TransitionTable, tables, transition
from services.models import ServiceRequest, ServiceRequestEvent
from tests.factories import StaffFactory, staff_in
from tests.services.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db

Status = ServiceRequest.Status
HANDLE = "services.change_servicerequest"
WRONG = "Request #%(id)s is “%(status)s”: it cannot be %(action)s now."
NO_REASON = "Say why."
SAME_PERSON = "The one who took it cannot finish it."


def _record(change: Change) -> ServiceRequestEvent:
    return ServiceRequestEvent.objects.create(
        request=change.obj,
        from_status=change.from_status,
        to_status=change.to_status,
        actor=change.actor_or_none,
        note=change.note,
    )


def _not_the_taker(request: ServiceRequest, user, reason: str) -> None:
    # "The approver differs from the checker", in miniature.
    if request.assignee_id == user.pk:
        raise ApplicationError(SAME_PERSON)


TABLE = TransitionTable(
    model=ServiceRequest,
    register=False,
    audit_prefix="test.request",
    history=_record,
    wrong_status=WRONG,
    reason_message=NO_REASON,
    transitions=(
        transition("take", {Status.NEW}, Status.ASSIGNED, action="taken", permission=(HANDLE,)),
        transition(
            "finish",
            {Status.ASSIGNED, Status.IN_PROGRESS},
            Status.RESOLVED,
            action="finished",
            permission=(HANDLE,),
            reason_required=True,
            rule=_not_the_taker,
        ),
    ),
)


@pytest.fixture
def handler():
    return staff_in(roles.SERVICE_STAFF)


def state(request: ServiceRequest) -> tuple:
    request.refresh_from_db()
    return (
        request.status,
        request.assignee_id,
        ServiceRequestEvent.objects.filter(request=request).count(),
        AuditEntry.objects.count(),
    )


def test_an_allowed_move_saves_the_status_one_history_row_and_one_audit_row(handler):
    request = ServiceRequestFactory()
    moved = TABLE.apply(
        request.pk,
        Status.ASSIGNED,
        acting_user=handler,
        reason="  先打电话  ",
        fields={"assignee": handler},
        audit_data={"extra": 1},
    )
    assert (moved.pk, moved.status, moved.assignee) == (request.pk, "assigned", handler)
    request.refresh_from_db()
    assert (request.status, request.assignee) == ("assigned", handler)
    event = ServiceRequestEvent.objects.get(request=request)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        "new",
        "assigned",
        handler,
        "先打电话",
    )
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_type, entry.target_id, entry.note, entry.data) == (
        handler,
        "test.request.take",
        "services.servicerequest",
        str(request.pk),
        "先打电话",
        {"extra": 1},
    )


def test_a_move_from_a_status_the_table_does_not_allow_is_refused_and_changes_nothing(handler):
    request = ServiceRequestFactory(status=Status.CLOSED)
    before = state(request)
    with translation.override("en"), pytest.raises(TransitionNotAllowed) as error:
        TABLE.apply(request.pk, Status.ASSIGNED, acting_user=handler, fields={"assignee": handler})
    assert error.value.message == f"Request #{request.pk} is “Closed”: it cannot be taken now."
    assert error.value.status_code == 409
    assert state(request) == before


def test_an_unknown_move_is_refused_with_a_translated_message(handler):
    request = ServiceRequestFactory()
    with pytest.raises(TransitionNotAllowed) as error:
        TABLE.apply(request.pk, Status.CLOSED, acting_user=handler)
    assert error.value.message == "不能这样改成“已关闭”。"
    with translation.override("en"), pytest.raises(TransitionNotAllowed) as error:
        TABLE.apply(request.pk, Status.CLOSED, acting_user=handler)
    assert error.value.message == "“Closed” cannot be reached this way."


@pytest.mark.parametrize("who", ["worker", "staff without the permission", "inactive staff"])
def test_without_the_permission_nothing_changes(who):
    request = ServiceRequestFactory()
    user = {
        "worker": lambda: request.worker,
        "staff without the permission": lambda: StaffFactory(),
        "inactive staff": lambda: staff_in(roles.SERVICE_STAFF, is_active=False),
    }[who]()
    before = state(request)
    with pytest.raises(PermissionDenied) as error:
        TABLE.apply(request.pk, Status.ASSIGNED, acting_user=user, fields={"assignee": user})
    assert error.value.message == "您没有执行此操作的权限（services.change_servicerequest）。"
    assert state(request) == before


def test_a_move_that_needs_a_reason_is_refused_without_one(handler):
    request = ServiceRequestFactory(status=Status.ASSIGNED, assignee=StaffFactory())
    before = state(request)
    with pytest.raises(ApplicationError) as error:
        TABLE.apply(request.pk, Status.RESOLVED, acting_user=handler, reason="   ")
    assert (error.value.message, error.value.extra) == (NO_REASON, {"field": "reason"})
    assert state(request) == before


def test_a_rule_of_the_move_refuses_and_changes_nothing(handler):
    request = ServiceRequestFactory(status=Status.ASSIGNED, assignee=handler)
    before = state(request)
    with pytest.raises(ApplicationError) as error:
        TABLE.apply(request.pk, Status.RESOLVED, acting_user=handler, reason="已解决")
    assert error.value.message == SAME_PERSON
    assert state(request) == before
    colleague = staff_in(roles.SERVICE_STAFF)
    TABLE.apply(request.pk, Status.RESOLVED, acting_user=colleague, reason="已解决")
    assert state(request)[0] == "resolved"


def test_the_callers_step_runs_under_the_lock_and_its_refusal_undoes_everything(handler):
    request = ServiceRequestFactory()
    before = state(request)

    def refuse_late(change: Change) -> None:
        change.obj.description = "changed in memory only"
        ServiceRequest.objects.filter(pk=change.obj.pk).update(description="written, then undone")
        raise ApplicationError("No.")

    with pytest.raises(ApplicationError), transaction.atomic():
        TABLE.apply(request.pk, Status.ASSIGNED, acting_user=handler, prepare=refuse_late)
    assert state(request) == before
    assert request.description != "written, then undone"


def test_what_is_offered_follows_the_status_and_the_permission(handler):
    request = ServiceRequestFactory()
    assert [move.name for move in TABLE.offered(request, handler)] == ["take"]
    assert TABLE.offered(request, StaffFactory()) == []
    request.status = Status.ASSIGNED
    assert [move.name for move in TABLE.offered(request, handler)] == ["finish"]


@pytest.mark.django_db(transaction=True)
def test_two_staff_deciding_the_same_row_at_once_one_wins_one_history_row():
    request = ServiceRequestFactory()
    staff = [staff_in(roles.SERVICE_STAFF) for _ in range(2)]
    start = threading.Barrier(2)

    def hold_the_lock(change: Change) -> None:
        time.sleep(0.3)  # the other thread is now waiting on the row lock

    def take(user):
        try:
            start.wait()
            with transaction.atomic(durable=True):
                TABLE.apply(
                    request.pk,
                    Status.ASSIGNED,
                    acting_user=user,
                    fields={"assignee": user},
                    prepare=hold_the_lock,
                )
            return "taken"
        except TransitionNotAllowed as error:
            return error.message
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(take, staff))

    # Each thread speaks the portal's language, as the main thread here does.
    refused = f"Request #{request.pk} is “{Status.ASSIGNED.label}”: it cannot be taken now."
    assert sorted(outcomes) == sorted(["taken", refused])
    request.refresh_from_db()
    assert request.assignee == staff[outcomes.index("taken")]
    assert ServiceRequestEvent.objects.filter(request=request).count() == 1
    assert AuditEntry.objects.filter(action="test.request.take").count() == 1


# Status fields that are not a workflow, each with the reason it has no transition table.
NOT_A_WORKFLOW = {
    # The outbox: claimed a thousand at a time with FOR UPDATE SKIP LOCKED, each delivery logged;
    # a row lock and history row per message would undo the 50,000-message burst (issue 23).
    "notifications.Message",
    # HSDS's service status (active / inactive / defunct): catalogue data that staff edit.
    "services.Service",
    # History rows: the status a change led to.
    "governance.ReportUpdate",
    "deliberation.TopicUpdate",
}


def test_every_status_model_moves_through_its_table_and_each_permission_exists():
    declared = {table.model._meta.label for table in tables()}
    ours = [
        config for config in apps.get_app_configs() if Path(config.path).parent == Path(settings.BASE_DIR)
    ]
    with_a_status = {
        model._meta.label
        for config in ours
        for model in config.get_models()
        if any(field.name == "status" and field.choices for field in model._meta.concrete_fields)
    }
    assert with_a_status - NOT_A_WORKFLOW == declared
    assert declared == {
        "academy.Enrolment",
        "subsidies.SubsidyApplication",
        "subsidies.Instalment",
        "services.ServiceRequest",
        "governance.Report",
        "events.Event",
        "events.Registration",
        "deliberation.Topic",
        "deliberation.Session",
        "deliberation.FollowUpAction",
        "volunteering.Membership",
        "volunteering.Task",
        "volunteering.Signup",
        "rewards.Voucher",
        "delivery.Correction",
        "voice.HelpDeed",
        "voice.HelpRequest",
        "voice.Opinion",
    }
    for table in tables():
        statuses = {value for value, _label in table.model._meta.get_field(table.status_field).flatchoices}
        for move in table.transitions:
            assert move.sources <= statuses and move.target in statuses, move.name
            for codename in move.permission:
                app_label, name = codename.split(".")
                assert Permission.objects.filter(content_type__app_label=app_label, codename=name).exists()


def test_the_change_page_offers_the_decisions_as_buttons_and_keeps_the_reason_on_refusal(client):
    from academy.models import Enrolment
    from tests.academy.factories import EnrolmentFactory

    checker = staff_in(roles.CHECKER)
    client.force_login(checker)
    enrolment = EnrolmentFactory()
    page_url = f"/admin/academy/enrolment/{enrolment.pk}/change/"
    decision_url = f"/admin/academy/enrolment/{enrolment.pk}/decision/"
    page = client.get(page_url).content.decode()
    assert [name for name in ("admit", "waitlist", "reject") if f'value="{name}"' in page] == [
        "admit",
        "waitlist",
        "reject",
    ]
    response = client.post(decision_url, {"decision": "reject", "reason": "  "}, follow=True)
    assert response.redirect_chain == [(page_url, 302)]
    assert [str(m) for m in response.context["messages"]] == ["请填写不录取的原因，申请人会看到。"]
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.events.count(), AuditEntry.objects.count()) == ("submitted", 0, 0)
    response = client.post(decision_url, {"decision": "complete", "reason": "毕业了"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["这项决定现在不可行；页面上列出了可行的决定。"]
    assert "毕业了" in response.content.decode()  # kept, to send again
    client.post(decision_url, {"decision": "waitlist", "reason": "名额紧张"})
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    assert (enrolment.status, enrolment.decision_reason) == ("waitlisted", "名额紧张")
    assert enrolment.events.get().actor == checker
    page = client.get(page_url).content.decode()
    assert 'value="waitlist"' not in page and 'value="admit"' in page
    client.force_login(staff_in(roles.APPROVER))
    assert 'name="decision"' not in client.get(page_url).content.decode()


def test_the_decision_url_refuses_staff_without_the_permission_and_non_staff(client):
    from academy.models import Enrolment
    from tests.academy.factories import EnrolmentFactory
    from tests.factories import UserFactory

    enrolment = EnrolmentFactory()
    decision_url = f"/admin/academy/enrolment/{enrolment.pk}/decision/"
    client.force_login(staff_in(roles.APPROVER))  # reads enrolments, may not decide them
    response = client.post(decision_url, {"decision": "admit", "reason": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["这项决定现在不可行；页面上列出了可行的决定。"]
    client.force_login(UserFactory())  # a worker, not staff
    response = client.post(decision_url, {"decision": "admit", "reason": ""})
    assert (response.status_code, response["Location"]) == (
        302,
        f"/admin/login/?next={decision_url}",
    )
    enrolment = Enrolment.objects.get(pk=enrolment.pk)
    assert (enrolment.status, enrolment.events.count(), AuditEntry.objects.count()) == ("submitted", 0, 0)
