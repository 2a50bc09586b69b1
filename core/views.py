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
