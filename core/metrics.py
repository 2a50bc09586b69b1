"""Who may read /metrics: Prometheus on the internal network, or whoever holds the scrape token.

The figures (request counts and latencies per view, error rates) help an attacker as much as an
operator, so nobody reads them by default. nginx does not forward /metrics at all
(deploy/nginx/nginx.conf); Prometheus scrapes the web containers directly, from an address in
METRICS_ALLOWED_NETWORKS or with `Authorization: Bearer <METRICS_TOKEN>`.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_NETWORKS]


def may_read_metrics(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks())
