import hashlib

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

from core import health
from core.metrics import may_read_metrics


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, checks = health.report()
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )


@require_GET
@never_cache
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches neither the database nor Redis (core.health)."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    ready, checks = health.readiness()
    return JsonResponse({"status": "ok" if ready else "fail", "checks": checks}, status=200 if ready else 503)


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics (django-prometheus), only for the scraper (core.metrics)."""
    if not may_read_metrics(request):
        return HttpResponseForbidden("", content_type="text/plain")
    return ExportToDjangoView(request)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without a context processor that could itself fail (the database may be down).
    from django.conf import settings
    from django.template import loader

    context = {"service_desk_phone": settings.SERVICE_DESK_PHONE}
    return HttpResponse(loader.get_template("errors/500.html").render(context), status=500)


def preview_server_error(request: HttpRequest) -> HttpResponse:
    return server_error(request)


# --- installable and offline-first (issue 19) ----------------------------------------------------

# Kept for the road: the pages a worker needs with no network (core/templates/core/sw.js).
OFFLINE_PAGES = (
    "home",
    "academy:applications",
    "services:requests",
    "governance:report_new",
    "voice:opinion_new",
    "voice:deed_new",
    "rewards:vouchers",
    "services:near_me",
)
# Never kept by the service worker: staff pages, logging in, the APIs, the machine endpoints.
NEVER_KEPT = (
    "/admin/",
    "/accounts/",
    "/api/",
    "/open311/",
    "/oauth/",
    "/ims/",
    "/i18n/",
    "/notifications/receipts/",
    "/metrics",
    "/healthz",
    "/livez",
    "/readyz",
)
SHELL = (
    "css/portal.css",
    "img/icons.svg",
    "img/icon.svg",
    "core/offline.js",
    "governance/report-queue.js",
    "governance/governance.css",
    # 随口说 and 随手帮 opened from the kept copy still record and queue (static/voice/queue.js).
    "voice/record.js",
    "voice/queue.js",
)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    from django.templatetags.static import static
    from django.urls import reverse

    shell = [static(path) for path in SHELL]
    context = {
        "shell": shell,
        "pages": [reverse(name) for name in OFFLINE_PAGES],
        "offline_url": reverse("offline"),
        "never": NEVER_KEPT,
    }
    # A new version whenever a shell file (its hashed name) or the worker itself changes.
    body = render(request, "core/sw.js", {**context, "version": ""}).content
    context["version"] = hashlib.sha256(body).hexdigest()[:12]
    response = render(request, "core/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    from django.templatetags.static import static
    from django.urls import reverse
    from django.utils.translation import gettext

    data = {
        "name": gettext("Courier Academy · Xiaoge portal"),
        "short_name": gettext("Courier Academy"),
        "lang": "zh-CN",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": [{"src": static("img/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


def offline(request: HttpRequest) -> HttpResponse:
    """What a page never opened before shows with no network (kept by the service worker)."""
    return render(request, "core/offline.html")
