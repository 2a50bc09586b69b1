import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Street
from accounts.typing import AuthenticatedHttpRequest
from core import public_cache, validation
from core.exceptions import ApplicationError
from core.files import private_file_response
from services import geo, selectors
from services.actions import service_request_create, service_request_rate
from services.forms import DEFAULT_RADIUS, NearMeForm, RatingForm, ServiceRequestForm
from services.models import Amenity, Scenario, Service, ServicePoint, ServiceRequest, ServiceRequestPhoto

PAGE_SIZE = 20


@public_cache.anonymous_page(selectors.CATALOGUE)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "services/index.html", {"scenarios": selectors.scenarios_active()})


def scenario_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        scenario = selectors.scenario_with_services(code=code)
    except Scenario.DoesNotExist:
        raise Http404 from None
    return render(request, "services/scenario.html", {"scenario": scenario})


def _where(request: HttpRequest, form: NearMeForm) -> tuple[float, float, str, str]:
    """The centre to measure from, how we know it ('device', 'street' or 'district'), and the street."""
    form.is_valid()  # invalid fields are left out of cleaned_data and fall back to defaults
    data = form.cleaned_data
    if data.get("lat") is not None and data.get("lng") is not None:
        return data["lat"], data["lng"], "device", ""
    street = data.get("street") or ""
    if not street and request.user.is_authenticated:
        profile = getattr(request.user, "profile", None)
        street = profile.street if profile else ""
    if street in geo.STREET_CENTRES:
        lat, lng = geo.STREET_CENTRES[street]
        return lat, lng, "street", street
    lat, lng = geo.DISTRICT_CENTRE
    return lat, lng, "district", ""


def _near_context(request: HttpRequest) -> dict:
    params = request.GET.copy()
    params.setdefault("radius", str(DEFAULT_RADIUS))
    form = NearMeForm(params)
    lat, lng, source, street = _where(request, form)
    data = form.cleaned_data
    radius = data.get("radius") or DEFAULT_RADIUS
    amenity = data.get("amenity") or ""
    scenario = None
    try:
        code = validation.clean_text_param(request.GET.get("scenario"), name="scenario", max_length=50)
    except validation.BadInput:  # like the form's invalid fields: left out
        code = ""
    if code:
        scenario = selectors.scenarios_active().filter(code=code).first()
    open_only = bool(data.get("open"))
    # "Open now" depends on hours and exceptions, so it is judged here, over a wider set of the nearest.
    limit = selectors.OPEN_NOW_CANDIDATES if open_only else selectors.NEAR_ME_LIMIT
    points = list(
        selectors.points_near(
            lat=lat, lng=lng, radius_km=radius, amenity=amenity, scenario=scenario, limit=limit
        )
    )
    now = timezone.now()
    for point in points:
        # Set on the instance for the template; ServicePoint declares no such attribute.
        point.open = selectors.point_open_state(point, now)  # type: ignore[attr-defined]
    if open_only:
        points = [p for p in points if p.open.is_open][: selectors.NEAR_ME_LIMIT]  # type: ignore[attr-defined]
    query = {
        k: request.GET.get(k, "")  # the last value, like .items()
        for k in request.GET
        if k in {"lat", "lng", "street", "amenity", "radius", "scenario", "open"}
    }
    return {
        "form": form,
        "points": points,
        "source": source,
        "street_label": dict(Street.choices).get(street, ""),
        "radius": radius,
        "amenity_label": dict(Amenity.choices).get(amenity, ""),
        "open_only": open_only,
        "scenario": scenario,
        "query": urlencode(query),
        "centre": {"lat": lat, "lng": lng},
        "map_enabled": bool(settings.MAP_TILE_URL),
    }


def near_me(request: HttpRequest) -> HttpResponse:
    return render(request, "services/near_me.html", _near_context(request))


def near_me_map(request: HttpRequest) -> HttpResponse:
    context = _near_context(request)
    tile_url = settings.MAP_TILE_URL
    if not tile_url:
        query = context["query"]
        return redirect(reverse("services:near_me") + (f"?{query}" if query else ""))
    context["map_data"] = {
        "tiles": tile_url,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "centre": context["centre"],
        "points": [
            {
                "name": p.name,
                "lat": p.latitude,
                "lng": p.longitude,
                "url": p.get_absolute_url(),
                "open": p.open.is_open,
            }
            for p in context["points"]
        ],
    }
    return render(request, "services/near_me_map.html", context)


def point_detail(request: HttpRequest, point_uuid) -> HttpResponse:
    try:
        point = selectors.point_detail(point_uuid=point_uuid)
    except ServicePoint.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "services/point.html",
        {
            "point": point,
            "open": selectors.point_open_state(point),
            "week": selectors.point_week(point),
        },
    )


@login_required
def request_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    service = None
    try:
        service_uuid = uuid.UUID(request.GET.get("service") or request.POST.get("service") or "")
    except ValueError:
        service_uuid = None  # none given, or not an id: the request is about no particular service
    if service_uuid:
        service = Service.objects.filter(uuid=service_uuid, status=Service.Status.ACTIVE).first()
    initial = {
        "kind": request.GET.get("kind") if request.GET.get("kind") in ServiceRequest.Kind.values else None
    }
    if request.method == "POST":
        form = ServiceRequestForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                created = service_request_create(
                    worker=request.user,
                    kind=form.cleaned_data["kind"],
                    description=form.cleaned_data["description"],
                    contact_time=form.cleaned_data["contact_time"],
                    service=service,
                    photos=form.cleaned_data["photos"],
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Your request is sent. We will tell you here at every step."))
                return redirect("services:request_detail", created.pk)
    else:
        form = ServiceRequestForm(initial=initial)
    return render(request, "services/request_form.html", {"form": form, "service": service})


@login_required
def request_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.requests_for_worker(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for item in page.object_list:
        item.family = selectors.STATUS_FAMILY[item.status]
    return render(request, "services/request_list.html", {"page": page})


def _own_request(request: AuthenticatedHttpRequest, request_id: int) -> ServiceRequest:
    try:
        return selectors.request_get_for_worker(user=request.user, request_id=request_id)
    except ServiceRequest.DoesNotExist:
        raise Http404 from None


@login_required
def request_detail(
    request: AuthenticatedHttpRequest, request_id: int, rating_form: RatingForm | None = None
) -> HttpResponse:
    service_request = _own_request(request, request_id)
    steps, next_step = selectors.request_timeline(service_request)
    can_rate = selectors.request_can_be_rated(service_request)
    return render(
        request,
        "services/request_detail.html",
        {
            "item": service_request,
            "family": selectors.STATUS_FAMILY[service_request.status],
            "steps": steps,
            "next_step": next_step,
            "rating_form": rating_form or (RatingForm() if can_rate else None),
            "can_rate": can_rate,
        },
        status=400 if rating_form is not None else 200,
    )


@login_required
@require_POST
def request_rate(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    service_request = _own_request(request, request_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            service_request_rate(
                request_id=service_request.pk,
                worker=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect("services:request_detail", service_request.pk)
    return request_detail(request, request_id, rating_form=form)


@login_required
def request_photo(request: AuthenticatedHttpRequest, request_id: int, photo_id: int) -> HttpResponseBase:
    """The worker who sent it, or service staff; anyone else gets a 404."""
    photos = ServiceRequestPhoto.objects.filter(request_id=request_id)
    if not (request.user.is_staff and request.user.has_perm("services.view_servicerequest")):
        photos = photos.filter(request__worker=request.user)
    return private_file_response(get_object_or_404(photos, pk=photo_id).image)
