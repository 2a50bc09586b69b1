"""Each action is its own transaction: no request transaction around it, and a durable one refuses to nest.

pytest-django's `db` fixture marks its own atomic blocks as the test case's, which a
durable block may sit in; any other transaction around a durable action is a RuntimeError.
These tests use `transactional_db`, where nothing wraps the test, so what they see is what
a request, a task or a management command sees.
"""

import pytest
from allauth.account.signals import user_signed_up
from django.conf import settings
from django.db import transaction
from django.urls import reverse

import academy.actions
import accounts.actions
import deliberation.actions
import events.actions
import governance.actions
import points.actions
import rewards.actions
import services.actions
import subsidies.actions
import volunteering.actions
from accounts.models import Consent
from core.models import AuditEntry
from events.models import Registration
from notifications.models import Message
from tests.events.factories import EventFactory
from tests.factories import UserFactory
from tests.notifications.test_outbox import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

NESTED = "A durable atomic block cannot be nested within another atomic block."

# One outermost action of each app. The refusal comes before the body runs, so the ids need
# not exist: without durability each call would fail differently (the row does not exist).
OUTERMOST_ACTIONS = [
    (academy.actions.enrolment_withdraw, {"worker": None, "enrolment_id": 0}),
    (accounts.actions.consent_withdraw, {"user": None, "consent_id": 0}),
    (events.actions.registration_create, {"event_id": 0, "user": None}),
    (events.actions.event_update, {"event_id": 0, "values": {}, "acting_user": None}),
    (
        events.actions.event_create,
        {
            "station": None,
            "kind": "",
            "title": "",
            "place": "",
            "starts_at": None,
            "ends_at": None,
            "seat_limit": 0,
        },
    ),
    (events.actions.event_cancel, {"event_id": 0, "acting_user": None}),
    (governance.actions.report_follow, {"report_id": 0, "user": None}),
    (rewards.actions.voucher_cancel, {"voucher_id": 0, "user": None}),
    (services.actions.service_request_assign, {"request_id": 0, "acting_user": None}),
    (deliberation.actions.topic_support, {"topic_id": 0, "user": None}),
    (subsidies.actions.application_withdraw, {"worker": None, "application_id": 0}),
    (volunteering.actions.signup_withdraw, {"task_id": 0, "user": None}),
]


def test_requests_are_not_wrapped_in_a_transaction():
    assert settings.DATABASES["default"].get("ATOMIC_REQUESTS", False) is False


def test_an_allauth_request_is_one_transaction(client):
    # allauth writes in steps of its own (config/urls.py wraps each of its requests); seen
    # from inside, a sign-up runs in a transaction, which no other request does any more.
    seen = []

    def record(sender, request, user, **kwargs):
        seen.append(transaction.get_connection().in_atomic_block)

    user_signed_up.connect(record)
    try:
        response = client.post(reverse("account_signup"), {"phone": "13800000131"})
    finally:
        user_signed_up.disconnect(record)
    assert response.status_code == 302
    assert seen == [True]


@pytest.mark.parametrize(
    ("action", "kwargs"), OUTERMOST_ACTIONS, ids=[action.__name__ for action, _ in OUTERMOST_ACTIONS]
)
def test_an_outermost_action_refuses_to_run_inside_another_transaction(action, kwargs):
    with pytest.raises(RuntimeError) as refused, transaction.atomic():
        action(**kwargs)
    assert str(refused.value) == NESTED


def test_the_refused_call_writes_nothing_and_the_same_call_alone_commits():
    user = UserFactory()
    consent = Consent.objects.create(user=user, purpose=Consent.Purpose.SENSITIVE_DATA, notice_version="v1")

    with pytest.raises(RuntimeError) as refused, transaction.atomic():
        accounts.actions.consent_withdraw(user=user, consent_id=consent.pk)
    assert str(refused.value) == NESTED
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert not AuditEntry.objects.filter(action="consent.withdraw").exists()

    accounts.actions.consent_withdraw(user=user, consent_id=consent.pk)
    assert not transaction.get_connection().in_atomic_block
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert AuditEntry.objects.filter(action="consent.withdraw", actor=user).count() == 1


def test_an_inner_step_still_nests_as_a_savepoint():
    # points_add is a step of other actions (a savepoint in theirs), so it is not durable.
    user = UserFactory()
    with transaction.atomic():
        entry = points.actions.points_add(user=user, amount=5, reason="adjustment")
    assert entry.amount == 5


@pytest.mark.integration
def test_an_actions_messages_are_delivered_after_its_own_commit(celery_worker_thread):
    # No request transaction to wait for: the outbox rows go to the worker when the action commits.
    worker, event = UserFactory(), EventFactory()
    events.actions.registration_create(event_id=event.pk, user=worker)
    assert Registration.objects.filter(event=event, user=worker, status="registered").count() == 1
    assert wait_until(
        lambda: (
            list(Message.objects.filter(recipient=worker).values_list("kind", "status"))
            == [("event_registered", Message.Status.SENT)]
        )
    )
