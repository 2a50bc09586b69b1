"""Worker pages: coming events, detail, register / cancel, my events, .ics, check-in; the venue screen."""

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import Viewer
from accounts.typing import AuthenticatedHttpRequest
from core.exceptions import ApplicationError
from core.privacy import masked_name
from events import actions, codes, selectors
from events.calendar import event_ics
from events.forms import CheckInForm, EventFilterForm
from events.models import Event, Registration
from events.selectors import SeatCounts

if TYPE_CHECKING:  # django_stubs_ext is a development dependency
    from django_stubs_ext import WithAnnotations

PAGE_SIZE = 20
# Six digits are guessable from a sofa at home: after this many refused codes, wait.
MAX_WRONG_CODES, WRONG_CODES_WINDOW = 5, 10 * 60
TOO_MANY_WRONG_CODES = gettext_lazy(
    "Too many wrong codes. Please wait 10 minutes, or ask the staff at the venue for help."
)


def _event_or_404(event_id: int, user: Viewer = None) -> "WithAnnotations[Event, SeatCounts]":
    try:
        return selectors.event_get(event_id=event_id, user=user)
    except Event.DoesNotExist:
        raise Http404 from None


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {"kind": "", "station": None, "search": ""}
    queryset = selectors.events_coming(user=request.user, **filters)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({key: value for key, value in request.GET.items() if key != "page" and value})
    return render(
        request,
        "events/event_list.html",
        {"form": form, "page": page, "query": query, "filtered": any(filters.values())},
    )


@require_GET
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(event_id, request.user)
    registration = selectors.registration_of(event=event, user=request.user)
    # A template context: the results below get a shown_name the model does not declare.
    context: dict[str, Any] = {
        "event": event,
        "registration": registration,
        "phase": event.phase(),
        "seats_left": max(0, event.seat_limit - event.seats_taken),
        "checkin_open": event.is_checkin_open(),
        "results": list(selectors.published_results(event=event)),
        "can_show_code": selectors.can_show_code(event=event, user=request.user),
    }
    if context["phase"] in ("ongoing", "ended") and registration is None:
        # Registration closed at the start: say so, and offer the next events at this station.
        context["next_events"] = list(
            selectors.events_coming(user=request.user, station=event.station)
            .filter(starts_at__gt=timezone.now())
            .exclude(pk=event.pk)[:3]
        )
    if registration is not None and registration.status == Registration.Status.WAITLISTED:
        context["waitlist_position"] = selectors.waitlist_position(registration=registration)
    for result in context["results"]:
        result.shown_name = masked_name(result.user.real_name)
    return render(request, "events/event_detail.html", context)


@login_required
@require_POST
def register(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    _event_or_404(event_id)
    try:
        registration = actions.registration_create(event_id=event_id, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if registration.status == Registration.Status.REGISTERED:
            messages.success(request, _("You are registered. See you there!"))
        else:
            messages.warning(
                request, _("The event is full; you are on the waitlist. We will tell you if a seat frees up.")
            )
    return redirect("events:detail", event_id=event_id)


@login_required
@require_POST
def cancel(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    _event_or_404(event_id)
    try:
        actions.registration_cancel(event_id=event_id, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect("events:detail", event_id=event_id)


@login_required
@require_GET
def my_events(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.registrations_of(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    for registration in page.object_list:
        registration.phase = registration.event.phase(now)
    return render(request, "events/my_events.html", {"page": page})


@require_GET
def calendar(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(event_id)
    url = request.build_absolute_uri(reverse("events:detail", args=[event.pk]))
    response = HttpResponse(event_ics(event, url=url), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


@login_required
def checkin(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(event_id)
    status = 200
    if request.method == "POST":
        form = CheckInForm(request.POST)
        wrong_key = f"events:wrong-codes:{event.pk}:{request.user.pk}"
        if cache.get(wrong_key, 0) >= MAX_WRONG_CODES:
            form.is_valid()
            form.add_error(None, str(TOO_MANY_WRONG_CODES))
            status = 429
        elif form.is_valid():
            try:
                actions.checkin_create(event_id=event.pk, user=request.user, code=form.cleaned_data["code"])
            except ApplicationError as error:
                if isinstance(error, actions.WrongCode):
                    cache.add(wrong_key, 0, WRONG_CODES_WINDOW)
                    cache.incr(wrong_key)
                form.add_error("code", error.message)
                status = error.status_code
            else:
                return redirect("events:checkin_done", event_id=event.pk)
        else:
            status = 400
    else:
        form = CheckInForm(initial={"code": request.GET.get("code", "")[:6]})
    return render(request, "events/checkin.html", {"event": event, "form": form}, status=status)


@login_required
@require_GET
def checkin_done(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(event_id)
    done = selectors.checkin_of(event=event, user=request.user)
    if done is None:
        return redirect("events:checkin", event_id=event.pk)
    return render(request, "events/checkin_done.html", {"event": event, "checkin": done})


def qr_svg(url: str) -> str:
    """The QR code as inline SVG markup (no image file, no external asset)."""
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_inline(scale=8, border=2, dark="#000", light="#fff", title=None)


@login_required
@require_GET
def venue_screen(request: AuthenticatedHttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(event_id)
    if not selectors.can_show_code(event=event, user=request.user):
        # Whoever may not see the code does not learn that the screen exists either.
        raise Http404
    now = timezone.now()
    context = {
        "event": event,
        "open": event.is_checkin_open(now),
        "counts": selectors.attendance_counts(event=event),
    }
    if context["open"]:
        code = codes.checkin_code(event.pk, now)
        link = (
            request.build_absolute_uri(reverse("events:checkin", args=[event.pk]))
            + "?"
            + urlencode({"code": code})
        )
        context.update(code=code, link=link, qr=mark_safe(qr_svg(link)), refresh=codes.seconds_left(now))  # noqa: S308  (segno's own SVG)
    else:
        context["refresh"] = 60
    return render(request, "events/venue_screen.html", context)
