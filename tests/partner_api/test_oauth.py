"""OAuth 2.0 client credentials: hashed secrets, scopes limited per client, expiring tokens, throttling."""

import base64

import pytest
from oauth2_provider.models import AccessToken, Application
from rest_framework.test import APIClient

from academy.api.oauth import ClientRateThrottle
from tests.partner_api import factories

pytestmark = pytest.mark.django_db
SPEC = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
ONEROSTER = f"{SPEC}roster.readonly {SPEC}roster-core.readonly"


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def test_client_credentials_give_an_expiring_token_with_the_clients_scopes(uni_a):
    factories.api_client(uni_a, client_id="reader", secret="reader-secret-123")
    response = APIClient().post(
        "/oauth/token/",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic("reader", "reader-secret-123"),
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == (
        "Bearer",
        3600,
        f"roster:read {ONEROSTER}",
    )
    token = AccessToken.objects.get()
    assert token.scope == f"roster:read {ONEROSTER}"
    assert body["access_token"] not in token.token  # stored hashed (RFC 9700), looked up by checksum
    # The secret is stored hashed: the plain text is shown once, when the client is created.
    assert "reader-secret-123" not in Application.objects.get(client_id="reader").client_secret
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert api.get("/api/v1/enrolments/").status_code == 200


def test_a_client_cannot_ask_for_scopes_it_was_not_given(uni_a):
    factories.api_client(uni_a, client_id="reader", secret="reader-secret-123")
    response = APIClient().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "roster:read roster:write"},
        HTTP_AUTHORIZATION=basic("reader", "reader-secret-123"),
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_scope"}
    assert not AccessToken.objects.exists()


def test_a_wrong_secret_gets_no_token(uni_a):
    factories.api_client(uni_a, client_id="reader", secret="reader-secret-123")
    response = APIClient().post(
        "/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic("reader", "guess")
    )
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}
    assert not AccessToken.objects.exists()


def test_a_deactivated_client_is_refused(api_clients, client_a):
    client_a.is_active = False
    client_a.save()
    response = api_clients["uni_a"].get("/api/v1/enrolments/")
    assert response.status_code == 403
    assert response.json() == {"message": "此客户端未登记为合作高校的接口客户端。", "extra": {}}


@pytest.mark.parametrize(
    "client_name, status, message",
    [
        ("anonymous", 401, "身份认证信息未提供。"),
        ("garbage_token", 401, "身份认证信息未提供。"),
        ("expired", 401, "身份认证信息未提供。"),
        ("unmapped", 403, "此客户端未登记为合作高校的接口客户端。"),
        ("uni_a_no_scope", 403, "访问令牌缺少权限范围“roster:read”。"),
        ("uni_a_write_only", 403, "访问令牌缺少权限范围“roster:read”。"),
    ],
)
@pytest.mark.parametrize(
    "path",
    ["/api/v1/enrolments/", "/api/v1/enrolments/export.csv", "/api/v1/programmes/", "/api/v1/intakes/"],
)
def test_read_permission_matrix(api_clients, client_name, status, message, path):
    response = api_clients[client_name].get(path)
    assert response.status_code == status
    assert response.json() == {"message": message, "extra": {}}


def test_detail_permission_matrix(api_clients, uni_a):
    enrolment = factories.enrolment(uni_a)
    expected = {"anonymous": 401, "expired": 401, "unmapped": 403, "uni_a_no_scope": 403, "uni_b": 404}
    for name, status in expected.items():
        assert api_clients[name].get(f"/api/v1/enrolments/{enrolment.pk}/").status_code == status, name
    assert api_clients["uni_a_read"].get(f"/api/v1/enrolments/{enrolment.pk}/").status_code == 200


def test_throttling_is_per_client(api_clients, monkeypatch):
    monkeypatch.setattr(ClientRateThrottle, "rate", "3/minute")
    for _ in range(3):
        assert api_clients["uni_a"].get("/api/v1/programmes/").status_code == 200
    refused = api_clients["uni_a_read"].get("/api/v1/programmes/")  # another token of the same client
    assert refused.status_code == 429
    assert refused.json()["message"].startswith("请求已被限流。 预计 ")
    assert refused["Retry-After"] in ("59", "60")
    assert api_clients["uni_b"].get("/api/v1/programmes/").status_code == 200


@pytest.mark.parametrize(
    "flags, asked",
    [
        ({}, "roster.readonly"),
        ({}, "roster-core.readonly"),
        ({}, "roster.readonly roster-core.readonly"),
        ({"can_read_sensitive": True}, "roster-demographics.readonly"),
        ({"can_write": True}, "gradebook.createput"),
        ({"can_read_sensitive": True, "can_write": True}, "roster.readonly gradebook.createput"),
    ],
)
def test_a_oneroster_client_gets_the_specs_scopes_it_asks_for(uni_a, flags, asked):
    factories.api_client(uni_a, client_id="sis", secret="sis-secret-1234", **flags)
    wanted = " ".join(SPEC + name for name in asked.split())
    response = APIClient().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": wanted},
        HTTP_AUTHORIZATION=basic("sis", "sis-secret-1234"),
    )
    assert response.status_code == 200, response.json()
    assert response.json()["scope"] == wanted
    assert AccessToken.objects.get().scope == wanted


@pytest.mark.parametrize(
    "flags, asked",
    [
        ({}, "roster-demographics.readonly"),  # needs the sensitive switch
        ({"can_read_sensitive": True}, "gradebook.createput"),  # needs the write-back switch
        ({}, "roster.readonly gradebook.createput"),
        ({"can_write": True}, "gradebook.delete"),  # a spec scope we do not serve
    ],
)
def test_a_oneroster_client_cannot_get_a_spec_scope_it_was_not_given(uni_a, flags, asked):
    factories.api_client(uni_a, client_id="sis", secret="sis-secret-1234", **flags)
    response = APIClient().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": " ".join(SPEC + name for name in asked.split())},
        HTTP_AUTHORIZATION=basic("sis", "sis-secret-1234"),
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_scope"}
    assert not AccessToken.objects.exists()
