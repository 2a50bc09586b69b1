"""The OpenAPI schema and the browsable docs are served by us, with no CDN."""

import re

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_docs_page_uses_only_self_hosted_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("drf_spectacular_sidecar/swagger-ui-dist" in url for url in assets)
    assert [url for url in assets if url.startswith(("http://", "https://", "//"))] == []


def test_schema_describes_the_oauth_client_credentials_flow(client, tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), "--validate", "--fail-on-warn")
    schema = yaml.safe_load(target.read_text())
    scheme = schema["components"]["securitySchemes"]["partnerOAuth2"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == "/oauth/token/"
    assert set(scheme["flows"]["clientCredentials"]["scopes"]) == {
        "roster:read",
        "roster:sensitive",
        "roster:write",
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly",
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly",
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly",
        "https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.createput",
    }
    patch = schema["paths"]["/api/v1/enrolments/{id}/"]["patch"]
    assert patch["security"] == [{"partnerOAuth2": ["roster:write"]}]
