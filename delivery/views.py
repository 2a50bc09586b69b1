"""The worker pages of the delivery map: search, near me, the site page, corrections."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.typing import AuthenticatedHttpRequest
from core.exceptions import ApplicationError
from core.files import private_file_response
from core.maps import map_settings
from delivery import actions, selectors
from delivery.forms import QUERY_REQUIRED, CorrectionForm, DecisionForm, NearForm, RatingForm, SearchForm
from delivery.models import Correction, Site
from delivery.refs import parse_building_ref

NEAR_RADIUS_KM = 3.0


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    result, message = None, ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        result = selectors.site_search(query=form.cleaned_data["q"])
        if not result.text:
            message = str(QUERY_REQUIRED)
    elif "q" in request.GET:
        message = str(QUERY_REQUIRED)
    return render(request, "delivery/search.html", {"form": form, "result": result, "message": message})


def near(request: HttpRequest) -> HttpResponse:
    form = NearForm(request.GET)
    sites: list[Site] = []
    located = False
    if form.is_valid() and form.cleaned_data["lat"] is not None and form.cleaned_data["lng"] is not None:
        located = True
        sites = list(
            selectors.sites_near(
                lat=form.cleaned_data["lat"], lng=form.cleaned_data["lng"], radius_km=NEAR_RADIUS_KM
            )
        )
    return render(
        request,
        "delivery/near.html",
        {"form": form, "sites": sites, "located": located, "radius": NEAR_RADIUS_KM},
    )


def _site(site_uuid) -> Site:
    try:
        return selectors.site_detail(site_uuid=site_uuid)
    except Site.DoesNotExist:
        raise Http404 from None


def site_detail(request: HttpRequest, site_uuid, rating_form: RatingForm | None = None) -> HttpResponse:
    site = _site(site_uuid)
    asked = (request.GET.get("b") or "").strip()[:20]
    building = unit = None
    ref_error = ""
    if asked:
        try:
            ref = parse_building_ref(asked)
        except ValueError as error:
            ref_error = str(error)
        else:
            building = next((b for b in site.buildings.all() if b.number == ref.number), None)
            if building is None:
                ref_error = _("This site has no building %(number)s on the map yet.") % {"number": ref.number}
            elif ref.unit is not None:
                unit = next((u for u in building.units.all() if u.number == ref.unit), None)
                if unit is None:
                    ref_error = _("Building %(number)s has no unit %(unit)s on the map yet.") % {
                        "number": ref.number,
                        "unit": ref.unit,
                    }
    now = timezone.now()
    ratings = selectors.site_ratings(site)
    gate = selectors.best_gate(site, building, now)
    lifts = []
    if building is not None:
        lifts = [lift for lift in building.lifts.all() if unit is None or lift.unit_id in (None, unit.pk)]
    map_data = None
    if settings.MAP_TILE_URL:
        # The shape services/near.js draws: a centre and named points with a link.
        points = (
            [
                {
                    "name": g.name,
                    "lat": g.latitude,
                    "lng": g.longitude,
                    "url": f"#gate-{g.uuid}",
                    "open": g.for_riders,
                }
                for g in site.gates.all()
            ]
            + [
                {
                    "name": p.name,
                    "lat": p.latitude,
                    "lng": p.longitude,
                    "url": f"#parking-{p.uuid}",
                    "open": True,
                }
                for p in site.parkings.all()
            ]
            + [
                {
                    "name": b.label,
                    "lat": b.latitude,
                    "lng": b.longitude,
                    "url": f"#building-{b.number}",
                    "open": True,
                }
                for b in site.buildings.all()
            ]
        )
        map_data = {
            **map_settings(),  # Tianditu or a GCJ-02 source: core/mapcoords.js places the points
            "centre": {"lat": site.latitude, "lng": site.longitude},
            "points": points,
        }
    return render(
        request,
        "delivery/site.html",
        {
            "site": site,
            "asked": asked,
            "building": building,
            "unit": unit,
            "ref_error": ref_error,
            "gate": gate,
            "gate_open": gate.is_open_at(now) if gate else False,
            "lifts": lifts,
            "changes": site.all_changes[: selectors.CHANGES_SHOWN],  # type: ignore[attr-defined]
            "map_data": map_data,
            "may_review": request.user.is_authenticated and actions.may_review(request.user, site),
            "ratings": ratings,
            "station": selectors.nearest_station(site) if selectors.access_is_low(ratings) else None,
            "rating_form": rating_form or (RatingForm() if request.user.is_authenticated else None),
        },
        status=400 if rating_form is not None else 200,
    )


@login_required
@require_POST
def site_rate(request: AuthenticatedHttpRequest, site_uuid) -> HttpResponse:
    site = _site(site_uuid)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            actions.rating_add(site=site, rider=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you for rating this site."))
            return redirect(site.get_absolute_url() + "#ratings")
    return site_detail(request, site_uuid, rating_form=form)


@login_required
def correction_create(request: AuthenticatedHttpRequest, site_uuid) -> HttpResponse:
    site = _site(site_uuid)
    if request.method == "POST":
        form = CorrectionForm(request.POST, request.FILES, site=site)
        if form.is_valid():
            data = form.cleaned_data
            try:
                correction = actions.correction_propose(
                    site=site,
                    proposer=request.user,
                    kind=data["kind"],
                    text=data["text"],
                    lat=data["lat"],
                    lng=data["lng"],
                    photo=data["photo"],
                    gate=data["gate"],
                    building=data["building"],
                    building_number=data["building_number"],
                )
            except ApplicationError as error:
                field = (error.extra or {}).get("field")
                form.add_error(field if field in form.fields and field != "lat" else None, error.message)
            else:
                messages.success(
                    request, _("Thank you. Your correction is sent; we tell you when it is decided.")
                )
                return redirect("delivery:correction", correction.pk)
        status = 400
    else:
        form = CorrectionForm(site=site, initial={"kind": request.GET.get("kind") or None})
        status = 200
    return render(request, "delivery/correction_form.html", {"form": form, "site": site}, status=status)


def _correction_for(request: AuthenticatedHttpRequest, correction_id: int) -> tuple[Correction, bool]:
    """(the correction, whether the person may decide on it): its proposer or a reviewer; else 404."""
    correction = (
        Correction.objects.select_related("site", "gate", "building")
        .prefetch_related("decisions")
        .filter(pk=correction_id)
        .first()
    )
    if correction is None:
        raise Http404
    reviewer = actions.may_review(request.user, correction.site)
    if not reviewer and correction.proposer_id != request.user.pk:
        raise Http404
    return correction, reviewer


@login_required
def correction_detail(
    request: AuthenticatedHttpRequest, correction_id: int, form: DecisionForm | None = None
) -> HttpResponse:
    correction, reviewer = _correction_for(request, correction_id)
    pending = correction.status == Correction.Status.PENDING
    return render(
        request,
        "delivery/correction.html",
        {
            "correction": correction,
            "decision_form": (form or DecisionForm()) if reviewer and pending else None,
        },
        status=400 if form is not None else 200,
    )


@login_required
@require_POST
def correction_decide(request: AuthenticatedHttpRequest, correction_id: int) -> HttpResponse:
    correction, reviewer = _correction_for(request, correction_id)
    if not reviewer:
        raise Http404
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "accept":
                actions.correction_accept(
                    correction_id=correction.pk, acting_user=request.user, note=form.cleaned_data["reason"]
                )
            else:
                actions.correction_reject(
                    correction_id=correction.pk, acting_user=request.user, reason=form.cleaned_data["reason"]
                )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Decided. The rider is told."))
            return redirect("delivery:correction", correction.pk)
    return correction_detail(request, correction_id, form=form)


@login_required
def correction_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = list(selectors.corrections_for(request.user)[:50])
    review = list(
        selectors.corrections_reviewable_by(request.user).filter(status=Correction.Status.PENDING)[:50]
    )
    return render(request, "delivery/correction_list.html", {"corrections": rows, "review": review})


@login_required
def correction_photo(request: AuthenticatedHttpRequest, correction_id: int) -> HttpResponseBase:
    correction, _reviewer = _correction_for(request, correction_id)
    return private_file_response(correction.photo)
