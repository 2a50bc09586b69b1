"""OAuth 2.0 for partner universities: which scopes a client may get, who is asking, what they may do.

A token is only good for the API when its application is mapped to a
university through an active `ApiClient`; the university then scopes every
query (academy.api.selectors)."""

import base64
import binascii
import json
from urllib.parse import unquote_plus

from django.conf import settings
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from oauth2_provider import views as oauth2_views
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import AccessToken, Application
from oauth2_provider.scopes import SettingsScopes
from rest_framework import exceptions, permissions
from rest_framework.throttling import SimpleRateThrottle

from academy.models import ApiClient
from core import audit, ratelimit

READ = "roster:read"
SENSITIVE = "roster:sensitive"
WRITE = "roster:write"
# The OneRoster 1.2 scope names (the official OpenAPI's OAuth2CC scheme). A SIS or LMS connector asks
# for these, not for ours: roster.readonly covers every rostering read but demographics,
# roster-core.readonly the core set, roster-demographics.readonly demographics alone, and
# gradebook.createput the results write-back.
ONEROSTER_SCOPE = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
ONEROSTER_READ = ONEROSTER_SCOPE + "roster.readonly"
ONEROSTER_CORE_READ = ONEROSTER_SCOPE + "roster-core.readonly"
ONEROSTER_DEMOGRAPHICS_READ = ONEROSTER_SCOPE + "roster-demographics.readonly"
GRADEBOOK_CREATEPUT = ONEROSTER_SCOPE + "gradebook.createput"

NOT_A_UNIVERSITY_CLIENT = _("This client is not registered for a partner university.")
SCOPE_MISSING = _("The access token lacks the scope “%(scope)s”.")


def api_client_of(application: Model | None) -> ApiClient | None:
    if application is None:  # a token without an application: no client can match
        return None
    return (
        ApiClient.objects.select_related("university")
        .filter(application_id=application.pk, is_active=True)
        .first()
    )


class UniversityScopes(SettingsScopes):
    """A client may only obtain the scopes its ApiClient switches on; by default it gets all of them."""

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = api_client_of(application) if application is not None else None
        if client is None:
            return super().get_available_scopes(application, request, *args, **kwargs)
        return client.allowed_scopes

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        client = api_client_of(application) if application is not None else None
        if client is None:
            return super().get_default_scopes(application, request, *args, **kwargs)
        return client.allowed_scopes


class UniversityClientAuthentication(OAuth2Authentication):
    """A valid bearer token whose application acts for a university; `request.auth` is the token
    with `.api_client` (and its university) attached."""

    www_authenticate_realm = "partner-api"

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        token.api_client = api_client_of(token.application)
        return user, token


def university_of(request):
    return request.auth.api_client.university


def has_scope(request, scope: str) -> bool:
    token = request.auth
    return isinstance(token, AccessToken) and scope in token.scope.split()


class HasUniversityScope(permissions.BasePermission):
    """Reads need READ; writes (PATCH, POST, PUT, DELETE) need WRITE. No token answers 401."""

    read_scopes = (READ,)

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, AccessToken):
            raise exceptions.NotAuthenticated()
        if getattr(token, "api_client", None) is None:
            raise exceptions.PermissionDenied(NOT_A_UNIVERSITY_CLIENT)
        if request.method in permissions.SAFE_METHODS:
            wanted = getattr(view, "read_scopes", self.read_scopes)
        else:
            wanted = getattr(view, "write_scopes", (WRITE,))
        if not any(scope in token.scope.split() for scope in wanted):
            raise exceptions.PermissionDenied(str(SCOPE_MISSING) % {"scope": wanted[0]})
        return True


class ClientRateThrottle(SimpleRateThrottle):
    """Requests per OAuth client (not per address: a university's servers share few addresses)."""

    scope = "partner_client"
    rate = "600/minute"

    def get_rate(self):
        return self.rate

    def get_cache_key(self, request, view):
        token = request.auth
        if not isinstance(token, AccessToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.application_id}


def client_id_of(request: HttpRequest) -> str:
    """The client id a token request names (HTTP Basic, else the form body), unchecked."""
    kind, _sep, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if kind.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        client_id = unquote_plus(decoded.partition(":")[0])
        if client_id:
            return client_id[:200]
    return str(request.POST.get("client_id", ""))[:200]


class TokenView(oauth2_views.TokenView):
    """POST /oauth/token/, limited per IP address and per client id before any secret is checked.

    Checking a secret costs a hash of about a second of CPU (secrets are stored hashed), so a
    flood of guesses is refused first: 429 with an OAuth-style error ("slow_down", the token
    endpoint's code for "ask less often") and Retry-After. Every failed client authentication
    is an audit row.
    """

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        client_id = client_id_of(request)
        verdict = ratelimit.consume(
            request,
            action="oauth_token_ip",
            rates=ratelimit.with_per(settings.OAUTH_TOKEN_RATE_LIMIT_PER_IP, "ip"),
        )
        if verdict.allowed and client_id:
            verdict = ratelimit.consume(
                request,
                action="oauth_token_client",
                rates=ratelimit.with_per(settings.OAUTH_TOKEN_RATE_LIMIT_PER_CLIENT, "key"),
                key=client_id,
            )
        if not verdict.allowed:
            return too_many_token_requests(verdict.retry_after)
        response = super().post(request, *args, **kwargs)
        if _oauth_error(response) == "invalid_client":
            audit.record(
                actor=None,
                action="oauth.client_authentication_failed",
                target=Application.objects.filter(client_id=client_id).first() if client_id else None,
                data={"client_id": client_id, "ip": ratelimit.client_ip(request)},
            )
        return response


def _oauth_error(response: HttpResponse) -> str:
    if response.status_code < 400:
        return ""
    try:
        return str(json.loads(response.content).get("error", ""))
    except (ValueError, AttributeError):
        return ""


def too_many_token_requests(retry_after: int) -> JsonResponse:
    body = {
        "error": "slow_down",
        "error_description": gettext("Too many token requests: try again in %(seconds)d seconds.")
        % {"seconds": retry_after},
    }
    response = JsonResponse(body, status=429)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
