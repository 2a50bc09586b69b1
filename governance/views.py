"""Worker pages: the one-screen report form, my reports, my points, the public list."""

import uuid
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.typing import AuthenticatedHttpRequest
from core import fragments
from core.exceptions import ApplicationError
from core.files import private_file_response
from core.maps import map_settings
from core.timeline import Family, TimelineStep
from governance import selectors
from governance.actions import report_follow, report_reopen, report_submit
from governance.forms import ReopenForm, ReportForm
from governance.models import Category, Report, ReportPhoto
from points.selectors import LEDGER_PAGES, ledger_of, points_balance, points_state, source_page

PAGE_SIZE = 20


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def index(request: HttpRequest) -> HttpResponse:
    member = selectors.is_grid_member(user=request.user)
    context: dict[str, object] = {"is_member": member}
    if request.user.is_authenticated:
        context["balance"] = points_balance(user=request.user)
    if member and request.user.is_authenticated:  # a member is signed in; this tells mypy so
        context["memberships"] = list(selectors.live_memberships(user=request.user))
        context["open_count"] = (
            selectors.reports_of(user=request.user).filter(status__in=Report.OPEN_STATUSES).count()
        )
    return render(request, "governance/index.html", context)


@login_required
def report_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not selectors.is_grid_member(user=request.user):
        if _wants_json(request):
            return JsonResponse(
                {"message": _("Only appointed grid members can file street reports.")}, status=403
            )
        return render(request, "governance/not_member.html", status=403)
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report, created = report_submit(
                    reporter=request.user,
                    category=data["category"],
                    photos=data["photos"],
                    lat=data["lat"],
                    lng=data["lng"],
                    street=data["street"],
                    address=data["address"],
                    description=data["description"],
                    client_uuid=data["client_uuid"],
                    answers=data["answers"],
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                url = reverse("governance:report_detail", args=[report.pk])
                if _wants_json(request):
                    return JsonResponse({"id": report.pk, "url": url}, status=201 if created else 200)
                messages.success(request, _("Thank you! Your report #%(id)s was sent.") % {"id": report.pk})
                return redirect(url)
        if _wants_json(request):
            return JsonResponse(
                {"message": _("Please correct the marked fields."), "errors": form.errors.get_json_data()},
                status=400,
            )
    else:
        form = ReportForm(initial={"client_uuid": uuid.uuid4()})
    return render(
        request,
        "governance/report_form.html",
        {"form": form, **_map_settings()},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def nearby(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Open reports of the same category within 50 m, so a grid member can follow one instead."""
    try:
        lat, lng = Decimal(request.GET["lat"]), Decimal(request.GET["lng"])
        category = Category.objects.get(pk=int(request.GET["category"]))
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValueError
    except (KeyError, ValueError, InvalidOperation, Category.DoesNotExist):
        return JsonResponse({"reports": []}, status=400)
    found = selectors.nearby_open_reports(category=category, lat=float(lat), lng=float(lng))
    return JsonResponse(
        {
            "reports": [
                {
                    "id": report.pk,
                    "distance_m": round(report.distance_m),
                    "status": report.get_status_display(),
                    "address": report.address,
                    "description": report.description[:80] if report.category.is_public else "",
                    "mine": report.reporter_id == request.user.pk,
                    "follow_url": reverse("governance:report_follow", args=[report.pk]),
                }
                for report in found[:5]
            ]
        }
    )


@login_required
def report_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.reports_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "governance/report_list.html", {"page": page})


@login_required
def report_detail(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    try:
        report = selectors.report_for_reporter(user=request.user, report_id=report_id)
    except Report.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "governance/report_detail.html",
        {"report": report, "steps": _timeline(report), "reopen_form": ReopenForm()},
    )


def _timeline(report: Report) -> list[TimelineStep]:
    steps = []
    for update in report.updates.all():
        # status_family is typed str (it is also a CSS class name); a step takes the Family.
        family = Family(Report(status=update.status).status_family)
        steps.append(
            TimelineStep(
                label=update.get_status_display(),
                at=update.created_at,
                family=family,
                actor=update.get_actor_role_display(),
                note=update.note,
            )
        )
    return steps


@login_required
@require_POST
def reopen(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    get_object_or_404(Report, pk=report_id, reporter=request.user)
    form = ReopenForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        report_reopen(report_id=report_id, user=request.user, note=note)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The report is open again; a grid admin will look at it."))
    return redirect("governance:report_detail", report_id=report_id)


@login_required
@require_POST
def follow(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    try:
        report_follow(report_id=report_id, user=request.user)
    except Report.DoesNotExist:
        raise Http404 from None
    except ApplicationError as error:
        if _wants_json(request):
            return JsonResponse({"message": error.message}, status=error.status_code)
        messages.error(request, error.message)
        return redirect("governance:index")
    text = _("You follow report #%(id)s; you will hear when it is resolved. No new report was filed.") % {
        "id": report_id
    }
    if _wants_json(request):
        return JsonResponse({"message": text})
    messages.success(request, text)
    return redirect("governance:index")


@login_required
def points(request: AuthenticatedHttpRequest) -> HttpResponse:
    state = points_state(user=request.user)

    def draw() -> fragments.Drawn:
        page = Paginator(ledger_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
        for entry in page.object_list:
            entry.page_url = source_page(entry)
        html = render_to_string("governance/_ledger.html", {"page": page}, request)
        # Kept while the last line stays the same (the ledger is append-only).
        return fragments.Drawn(html, keep=state is not None and fragments.plain_query(request))

    balance, last_entry = state or (0, None)
    ledger = fragments.own(
        request, LEDGER_PAGES, "points-ledger", (last_entry, request.GET.urlencode()), draw
    )
    return render(request, "governance/points.html", {"ledger": ledger, "balance": balance})


def _map_settings() -> dict:
    # The same tiles as the services map; on a GCJ-02 map the pins are converted (core.maps).
    return {f"map_{key}": value for key, value in map_settings().items()}


def public_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_reports(), PAGE_SIZE).get_page(request.GET.get("page"))
    map_reports = [
        {
            "id": report.pk,
            "lat": float(report.lat),
            "lng": float(report.lng),
            "category": report.category.name,
            "status": report.get_status_display(),
            "open": report.is_open,
        }
        for report in page.object_list
        if report.lat is not None
    ]
    context = {"page": page, "map_reports": map_reports, **_map_settings()}
    return render(request, "governance/public_list.html", context)


def photo(request: HttpRequest, photo_id: int, size: str) -> HttpResponseBase:
    item = get_object_or_404(ReportPhoto.objects.select_related("report__category"), pk=photo_id)
    if not selectors.photo_visible_to(photo=item, user=request.user):
        raise Http404
    return private_file_response(item.thumbnail if size == "thumb" else item.image)
