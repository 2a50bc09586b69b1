"""Two of the university's servers reporting the same change at once: real threads against PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from academy.models import Enrolment, EnrolmentEvent
from tests.partner_api import factories


@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_free_the_seat_once(uni_a, client_a):
    enrolment = factories.enrolment(uni_a)
    seats_before = enrolment.offering.seats_taken
    token = factories.token_for(client_a.application)

    def withdraw(_):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            response = client.patch(
                f"/api/v1/enrolments/{enrolment.pk}/", {"status": "withdrawn"}, format="json"
            )
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        codes = sorted(pool.map(withdraw, range(6)))
    # The first locks the row and withdraws; the others then find it withdrawn: an answered retry (200),
    # or, if they read before the lock was released, a refused transition (409). Never two withdrawals.
    assert set(codes) <= {200, 409}
    enrolment.refresh_from_db()
    enrolment.offering.refresh_from_db()
    assert enrolment.status == Enrolment.Status.WITHDRAWN
    assert enrolment.offering.seats_taken == seats_before - 1
    assert EnrolmentEvent.objects.filter(enrolment=enrolment, to_status="withdrawn").count() == 1
