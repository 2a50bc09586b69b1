import pytest
from rest_framework.test import APIClient

from tests.partner_api import factories


@pytest.fixture
def uni_a(db):
    return factories.university("uni-a", "甲大学")


@pytest.fixture
def uni_b(db):
    return factories.university("uni-b", "乙大学")


@pytest.fixture
def client_a(uni_a):
    return factories.api_client(uni_a, client_id="uni-a", can_read_sensitive=True, can_write=True)


@pytest.fixture
def client_b(uni_b):
    return factories.api_client(uni_b, client_id="uni-b", can_read_sensitive=True, can_write=True)


def _client(token: str | None = None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def api_clients(client_a, client_b):
    """The people of the permission matrix, by name."""
    from oauth2_provider.models import Application

    unmapped = Application.objects.create(
        name="unmapped",
        client_id="unmapped",
        client_secret="x-secret",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    app_a = client_a.application
    return {
        "anonymous": _client(),
        "garbage_token": _client("not-a-token"),
        "expired": _client(factories.token_for(app_a, expired=True)),
        "unmapped": _client(factories.token_for(unmapped, "roster:read")),
        "uni_a_no_scope": _client(factories.token_for(app_a, "")),
        "uni_a_read": _client(factories.token_for(app_a, "roster:read")),
        "uni_a_write_only": _client(factories.token_for(app_a, "roster:write")),
        "uni_a": _client(factories.token_for(app_a)),
        "uni_b": _client(factories.token_for(client_b.application)),
    }
