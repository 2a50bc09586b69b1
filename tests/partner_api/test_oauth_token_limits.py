"""POST /oauth/token/ is limited per client id and per IP, and failed client logins are audited.

Issue 13, finding 7: the endpoint had no limit, and each wrong secret cost a password hash.
"""

import base64

import pytest
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from core.models import AuditEntry
from tests.partner_api import factories

pytestmark = pytest.mark.django_db
TOKEN = "/oauth/token/"


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def ask(client_id: str, secret: str, address: str = "10.7.0.1"):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(client_id, secret)
    )


@pytest.fixture
def hashes_checked(monkeypatch):
    """How many client secrets were hashed and compared (the CPU a guess costs)."""
    import oauth2_provider.oauth2_validators as validators

    calls = []
    real = validators.check_password
    monkeypatch.setattr(validators, "check_password", lambda *args: calls.append(1) or real(*args))
    return calls


def assert_slowed_down(response) -> None:
    assert response.status_code == 429
    seconds = response["Retry-After"]
    assert seconds in ("59", "60")
    assert response.json() == {
        "error": "slow_down",
        "error_description": f"获取令牌的请求太频繁，请 {seconds} 秒后再试。",
    }
    assert response["Cache-Control"] == "no-store"


def test_finding_7_guesses_of_a_clients_secret_are_cut_off_per_client_id(uni_a, settings, hashes_checked):
    settings.OAUTH_TOKEN_RATE_LIMIT_PER_CLIENT = "3/m"
    factories.api_client(uni_a, client_id="reader", secret="reader-secret-123")
    factories.api_client(uni_a, client_id="writer", secret="writer-secret-123")
    for n in range(3):
        response = ask("reader", f"guess-{n}", address=f"10.7.1.{n}")  # from ever new addresses
        assert response.status_code == 401
    assert len(hashes_checked) == 3
    # The fourth request is refused before any secret is hashed, the right secret included.
    assert_slowed_down(ask("reader", "reader-secret-123", address="10.7.1.9"))
    assert len(hashes_checked) == 3
    assert not AccessToken.objects.exists()
    # Another client is not affected.
    assert ask("writer", "writer-secret-123").status_code == 200


def test_finding_7_token_requests_are_limited_per_ip(uni_a, settings, hashes_checked):
    settings.OAUTH_TOKEN_RATE_LIMIT_PER_IP = "2/m"
    factories.api_client(uni_a, client_id="reader", secret="reader-secret-123")
    assert ask("one", "x", address="10.7.2.1").status_code == 401
    assert ask("two", "x", address="10.7.2.1").status_code == 401
    assert_slowed_down(ask("reader", "reader-secret-123", address="10.7.2.1"))
    assert ask("reader", "reader-secret-123", address="10.7.2.2").status_code == 200
    assert AccessToken.objects.count() == 1


def test_failed_client_authentication_is_audited(uni_a):
    api_client = factories.api_client(uni_a, client_id="reader", secret="reader-secret-123")
    assert ask("reader", "guess", address="10.7.3.1").status_code == 401
    assert ask("nobody", "guess", address="10.7.3.2").status_code == 401
    assert ask("reader", "reader-secret-123", address="10.7.3.3").status_code == 200
    rows = AuditEntry.objects.order_by("id").values_list(
        "actor", "action", "target_type", "target_id", "data"
    )
    assert list(rows) == [
        (
            None,
            "oauth.client_authentication_failed",
            "oauth2_provider.application",
            str(api_client.application_id),
            {"client_id": "reader", "ip": "10.7.3.1"},
        ),
        (None, "oauth.client_authentication_failed", "", "", {"client_id": "nobody", "ip": "10.7.3.2"}),
    ]


@pytest.mark.parametrize(
    "authorization, body, status, error, audited_client_id",
    [
        ("Basic !!!not-base64!!!", {"grant_type": "client_credentials"}, 401, "invalid_client", ""),
        (
            "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
            {"grant_type": "client_credentials"},
            401,
            "invalid_client",
            "",
        ),
        ("Basic ", {"grant_type": "client_credentials"}, 401, "invalid_client", ""),
        (
            "",
            {"grant_type": "client_credentials", "client_id": "x" * 5000, "client_secret": "y"},
            401,
            "invalid_client",
            "x" * 200,  # kept short in the audit log
        ),
        ("Bearer abc", {}, 400, "unsupported_grant_type", None),
    ],
    ids=["not-base64", "not-utf-8", "empty", "huge-client-id-in-body", "no-grant-type"],
)
def test_bad_token_requests_get_an_oauth_error_not_a_500(
    uni_a, authorization, body, status, error, audited_client_id
):
    response = APIClient(REMOTE_ADDR="10.7.4.1").post(TOKEN, body, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == status
    assert response.json() == {"error": error}
    assert not AccessToken.objects.exists()
    audited = list(AuditEntry.objects.values_list("target_type", "data"))
    expected = [] if audited_client_id is None else [("", {"client_id": audited_client_id, "ip": "10.7.4.1"})]
    assert audited == expected
