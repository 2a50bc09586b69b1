from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.urls import URLResolver, include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from oauth2_provider import views as oauth2_views

from academy.api.oauth import TokenView
from accounts import auth_views
from accounts.staff_auth import StaffLoginView
from config import home
from core import views as core_views
from delivery.api import GeoJSONView as DeliveryGeoJSONView

admin.site.site_header = _("Courier Academy · staff")
admin.site.site_title = _("Courier Academy")
admin.site.index_title = _("Workbench")


def _each_in_one_transaction(patterns: list) -> list:
    """allauth's views are not our actions: one request writes in several steps of allauth's
    own (the user, its phone, the session, the audit rows) and may count and send an SMS
    between them. Each such request stays one transaction, so a step refused on the way (a
    rate limit, Redis down: core.outage) leaves nothing of the earlier ones behind. Our own
    views need no wrapper: each write of theirs is one durable action."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _each_in_one_transaction(pattern.url_patterns)
        else:
            pattern.callback = transaction.atomic(pattern.callback)
    return patterns


_account_urls = _each_in_one_transaction(
    [
        # Before allauth's own URLs, which these wrap (same paths).
        path("accounts/login/code/confirm/", auth_views.confirm_login_code),
        path("accounts/phone/verify/", auth_views.verify_phone),
        path("accounts/staff/login/", StaffLoginView.as_view(), name="staff_login"),
        path("accounts/", include("allauth.urls")),
    ]
)

urlpatterns = [
    path("", home.home_page, name="home"),
    path("sw.js", core_views.service_worker, name="service_worker"),
    path("manifest.webmanifest", core_views.manifest, name="manifest"),
    path("offline/", core_views.offline, name="offline"),
    path("healthz", core_views.healthz, name="healthz"),
    path("livez", core_views.livez, name="livez"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before admin's own URLs: admin would answer 404 for an app label it does not know.
    path("admin/dashboard/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
    *_account_urls,
    path("me/", include("accounts.urls")),
    path("inbox/", include("notifications.urls")),
    path("notifications/receipts/", include("notifications.receipt_urls")),
    path("services/", include("services.urls")),
    path("api/hsds/", include("services.api.urls")),
    path("academy/", include("academy.urls")),
    path("subsidies/", include("subsidies.urls")),
    path("grid/", include("governance.urls")),
    path("delivery/", include("delivery.urls")),
    path("api/delivery/geojson", DeliveryGeoJSONView.as_view(), name="delivery-geojson"),
    path("open311/v2/", include("governance.open311")),
    path("stations/", include("deliberation.urls")),
    path("events/", include("events.urls")),
    path("volunteer/", include("volunteering.urls")),
    path("grid/voice/", include("voice.urls")),
    path("rewards/", include("rewards.urls")),
    path("oauth/token/", TokenView.as_view(), name="oauth-token"),
    path("oauth/revoke/", oauth2_views.RevokeTokenView.as_view(), name="oauth-revoke"),
    path("api/v1/", include("academy.api.urls")),
    path("ims/oneroster/rostering/v1p2/", include("academy.oneroster.urls")),
    path("ims/oneroster/gradebook/v1p2/", include("academy.oneroster.gradebook_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start script from ?script=, so the page has no inline script (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

if settings.DEBUG:
    urlpatterns += [path("__errors__/500", core_views.preview_server_error)]
