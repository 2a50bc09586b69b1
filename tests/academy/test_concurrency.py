"""Seats under concurrent admissions: real threads against PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from academy import actions
from academy.models import Enrolment, Offering
from accounts import roles
from core.exceptions import ApplicationError
from tests.academy.factories import EnrolmentFactory, OfferingFactory
from tests.factories import staff_in


@pytest.mark.django_db(transaction=True)
def test_seats_are_never_over_allocated():
    offering = OfferingFactory(seat_limit=5)
    ids = [EnrolmentFactory(offering=offering).pk for _ in range(20)]
    staff = [staff_in(roles.CHECKER) for _ in range(4)]

    def admit(index_and_id):
        index, enrolment_id = index_and_id
        try:
            actions.enrolment_admit(enrolment_id=enrolment_id, acting_user=staff[index % 4])
            return "admitted"
        except ApplicationError:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(admit, enumerate(ids)))

    assert outcomes.count("admitted") == 5
    assert outcomes.count("refused") == 15
    offering.refresh_from_db()
    assert offering.seats_taken == 5
    assert Enrolment.objects.filter(status="admitted").count() == 5
    assert Offering.objects.get(pk=offering.pk).seats_left == 0
