"""The dashboard pages in admin: thin views over dashboard.selectors; every answer is aggregates."""

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.csv_export import csv_response
from dashboard import selectors
from dashboard.charts import chart_for
from dashboard.forms import FilterForm
from dashboard.models import Panel


def _filters(data) -> tuple[FilterForm, selectors.Filters | None]:
    form = FilterForm(data or None, today=timezone.localdate())
    if not data:
        default = selectors.Filters.default()
        form.initial = {"start": f"{default.start:%Y-%m}", "end": f"{default.end:%Y-%m}"}
        return form, default
    return form, (form.filters() if form.is_valid() else None)


def _charted(panel: selectors.PanelData) -> list[dict]:
    return [{"table": table, "chart": chart_for(table, panel.shapes)} for table in panel.tables]


def _page(request: HttpRequest, *, station: bool, template: str, title: str, data=None) -> HttpResponse:
    form, filters = _filters(request.GET if data is None else data)
    panels = []
    if filters is not None:
        filters = selectors.scoped_filters(request.user, filters)
        read = [selectors.stations_panel(filters)] if station else selectors.panels_for(request.user, filters)
        panels = [{"panel": panel, "tables": _charted(panel)} for panel in read]
    context = {
        **admin.site.each_context(request),
        "title": title,
        "form": form,
        "filters": filters,
        "panels": panels,
        "query_string": urlencode(filters.query()) if filters else "",
        # The station dashboard's figures have no occupation (stations serve everyone).
        "filter_fields": [
            form[name] for name in ("start", "end", "street") + (() if station else ("occupation",))
        ],
        "month_typed": (data or {}).get("start", "") if data is not None else "",
        "refreshed": selectors.last_refresh(),
        "station_scope": station,
    }
    return TemplateResponse(request, template, context, status=200 if filters is not None else 400)


def district(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_district(request.user):
        raise PermissionDenied
    return _page(
        request, station=False, template="admin/dashboard/dashboard.html", title=_("District dashboard")
    )


def station(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_stations(request.user):
        raise PermissionDenied
    return _page(
        request, station=True, template="admin/dashboard/dashboard.html", title=_("Station dashboard")
    )


def monthly_report(request: HttpRequest) -> HttpResponse:
    """One page per area for one month (start = end), laid out for printing or saving as PDF."""
    if not selectors.may_see_stations(request.user):
        raise PermissionDenied
    data = request.GET.copy()
    month = data.pop("month", [""])[-1] or f"{timezone.localdate():%Y-%m}"
    data["start"] = data["end"] = month
    station_only = not selectors.may_see_district(request.user)
    return _page(
        request,
        station=station_only,
        template="admin/dashboard/report.html",
        title=_("Monthly report"),
        data=data,
    )


def csv_table(request: HttpRequest, panel: str, table: str) -> HttpResponseBase:
    """One table of a panel as CSV: the same cells as on the page, "<5" included."""
    if panel not in selectors.PANELS:
        raise Http404
    if panel == Panel.STATIONS:
        allowed = selectors.may_see_stations(request.user)
    else:
        allowed = selectors.may_see_district(request.user)
    if not allowed:
        raise PermissionDenied
    form, filters = _filters(request.GET)
    if filters is None:
        errors = [str(error) for errors in form.errors.values() for error in errors]
        return HttpResponse("\n".join(errors), status=400, content_type="text/plain; charset=utf-8")
    filters = selectors.scoped_filters(request.user, filters)
    data = selectors.PANELS[panel](filters)
    try:
        found = data.table(table)
    except StopIteration:
        raise Http404 from None
    filename = f"dashboard-{panel}-{table}-{filters.start:%Y%m}-{filters.end:%Y%m}.csv"
    return csv_response(filename, found.header, ([cell.csv() for cell in row] for row in found.rows))
