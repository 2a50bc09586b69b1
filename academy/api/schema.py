"""OpenAPI: the partner clients' OAuth 2.0 client-credentials scheme (imported by academy.api.urls)."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class UniversityClientScheme(OpenApiAuthenticationExtension):
    target_class = "academy.api.oauth.UniversityClientAuthentication"
    name = "partnerOAuth2"

    def get_security_requirement(self, auto_schema):
        view = auto_schema.view
        if auto_schema.method in ("GET", "HEAD", "OPTIONS"):
            scopes = list(getattr(view, "read_scopes", ["roster:read"]))[:1]
        else:
            scopes = ["roster:write"]
        return {self.name: scopes}

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/oauth/token/",
                    "scopes": dict(settings.OAUTH2_PROVIDER["SCOPES"]),
                }
            },
        }
