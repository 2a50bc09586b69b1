"""/metrics (django-prometheus) answers Prometheus only: an allowed network or the scrape token."""

import re

import pytest

OUTSIDE = "203.0.113.7"  # a documentation address: anyone on the internet
INSIDE = "10.20.0.5"
TOKEN = "scrape-token-" + "t" * 32


@pytest.fixture
def metrics_open_to_the_inside(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16", "fd00::/8"]
    settings.METRICS_TOKEN = TOKEN


def test_nobody_reads_metrics_by_default(client):
    response = client.get("/metrics", REMOTE_ADDR=INSIDE)
    assert response.status_code == 403
    assert response.content == b""


def test_an_anonymous_request_from_outside_is_refused(client, metrics_open_to_the_inside):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN}):
        response = client.get("/metrics", REMOTE_ADDR=OUTSIDE, **headers)
        assert response.status_code == 403
        assert response.content == b""


def test_prometheus_on_the_internal_network_reads_the_request_metrics(client, metrics_open_to_the_inside):
    client.get("/livez")
    response = client.get("/metrics", REMOTE_ADDR=INSIDE)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    body = response.content.decode()
    assert re.search(
        r'^django_http_responses_total_by_status_view_method_total\{method="GET",status="200",view="livez"\} [1-9]',
        body,
        re.MULTILINE,
    )
    assert re.search(r"^django_http_requests_latency_seconds_by_view_method_count\{", body, re.MULTILINE)


def test_the_scrape_token_opens_metrics_from_anywhere(client, metrics_open_to_the_inside):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200


def test_an_ipv6_address_in_an_allowed_network(client, metrics_open_to_the_inside):
    assert client.get("/metrics", REMOTE_ADDR="fd00::17").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="2001:db8::1").status_code == 403
