import pytest

from tests.factories import UserFactory
from tests.partner_api import factories

pytestmark = pytest.mark.django_db


def test_api_clients_are_listed_in_admin_with_their_university(client, uni_a, django_assert_max_num_queries):
    factories.api_client(uni_a, client_id="uni-a-registry", can_write=True)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    # Session, user, count-free page with the application and university joined.
    with django_assert_max_num_queries(8):
        response = client.get("/admin/academy/apiclient/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "uni-a-registry" in page
    assert "甲大学" in page
