"""Real threads against PostgreSQL: never more seats taken than the event has."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from core.exceptions import ApplicationError
from events import actions
from events.models import Registration
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(function):
    def run(*args):
        try:
            return function(*args)
        except ApplicationError as error:
            return error
        finally:
            connection.close()

    return run


def test_many_workers_for_the_last_seats():
    event = EventFactory(seat_limit=5)
    for _ in range(2):
        RegistrationFactory(event=event)
    workers = [UserFactory() for _ in range(20)]

    @in_thread
    def register(user):
        return actions.registration_create(event_id=event.pk, user=user)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(register, workers))
    assert all(isinstance(result, Registration) for result in results)
    assert Registration.objects.filter(event=event, status="registered").count() == 5
    assert Registration.objects.filter(event=event, status="waitlisted").count() == 17


def test_cancellations_and_registrations_at_once_never_overfill():
    event = EventFactory(seat_limit=3)
    holders = [RegistrationFactory(event=event).user for _ in range(3)]
    newcomers = [UserFactory() for _ in range(9)]

    @in_thread
    def act(job):
        kind, user = job
        if kind == "cancel":
            return actions.registration_cancel(event_id=event.pk, user=user)
        return actions.registration_create(event_id=event.pk, user=user)

    jobs = [("cancel", user) for user in holders] + [("register", user) for user in newcomers]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(act, jobs))
    assert Registration.objects.filter(event=event, status="registered").count() == 3
    assert Registration.objects.filter(event=event, status="waitlisted").count() == 6
