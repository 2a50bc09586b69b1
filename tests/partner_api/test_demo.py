import base64
import io

import pytest
from rest_framework.test import APIClient

from academy import demo
from academy.models import ApiClient, Enrolment
from accounts import demo as accounts_demo

pytestmark = pytest.mark.django_db


def token(client_id: str, secret: str) -> str:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = APIClient().post(
        "/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {credentials}"
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_demo_clients_see_only_their_own_university():
    accounts_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())  # idempotent
    assert ApiClient.objects.count() == 2
    rosters = {}
    for client_id in ("demo-uni-a", "demo-uni-b"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token(client_id, client_id + '-secret')}")
        rows = client.get("/api/v1/enrolments/").json()["results"]
        rosters[client_id] = {(row["student"]["name"], row["status"]) for row in rows}
    # University A may see its admitted and enrolled students (not the submitted, waitlisted, rejected or draft ones).
    assert rosters["demo-uni-a"] == {("李娜", "admitted"), ("孙浩", "enrolled")}
    assert rosters["demo-uni-b"] == {("吴磊", "enrolled"), ("郑洁", "enrolled"), ("冯刚", "admitted")}
    assert Enrolment.objects.filter(offering__programme__university__code="demo-b").count() == 3
