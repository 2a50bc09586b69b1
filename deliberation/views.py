"""Worker pages: stations, the public station page, raising and supporting topics, my topics.

The station lead's part (accept, answer) sits on the same pages, shown to the lead only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.typing import AuthenticatedHttpRequest
from core.exceptions import ApplicationError
from core.files import private_file_response
from core.privacy import masked_name
from core.timeline import TimelineStep
from core.typing import StrOrPromise
from deliberation import selectors
from deliberation.actions import topic_accept, topic_close, topic_raise, topic_support, topic_unsupport
from deliberation.forms import AcceptForm, AnswerForm, SearchForm, TopicForm
from deliberation.models import Topic, TopicPhoto, TopicUpdate
from delivery import selectors as delivery_selectors
from stations.models import Station

PAGE_SIZE = 20


def _station_or_404(station_id: int) -> Station:
    try:
        return selectors.station_get(station_id=station_id)
    except Station.DoesNotExist:
        raise Http404 from None


def _topic_or_404(topic_id: int) -> Topic:
    try:
        return selectors.topic_get(topic_id=topic_id)
    except Topic.DoesNotExist:
        raise Http404 from None


def station_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.stations_list(query=query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deliberation/station_list.html", {"form": form, "page": page, "query": query})


def station_detail(request: HttpRequest, station_id: int) -> HttpResponse:
    station = _station_or_404(station_id)
    is_lead = selectors.can_run(request.user, station)
    live = list(selectors.station_live_topics(station=station))
    context = {
        "station": station,
        "is_lead": is_lead,
        "live_topics": live,
        "answered_topics": list(selectors.station_answered_topics(station=station)[:5]),
        "coming_sessions": list(selectors.station_coming_sessions(station=station)),
        "past_sessions": list(selectors.station_past_sessions(station=station)),
    }
    if is_lead:
        context["waiting"] = [topic for topic in live if topic.status == Topic.Status.OPEN]
        context["accepted"] = [topic for topic in live if topic.status == Topic.Status.ACCEPTED]
    return render(request, "deliberation/station_detail.html", context)


@login_required
def topic_new(request: AuthenticatedHttpRequest, station_id: int) -> HttpResponse:
    station = _station_or_404(station_id)
    # From the delivery map: the site the riders rate low, its draft written from their ratings.
    site = delivery_selectors.site_for_topic(request.GET.get("site"))
    initial = delivery_selectors.topic_draft(site) if site is not None else {}
    if request.method == "POST":
        form = TopicForm(request.POST, request.FILES, initial=initial)
    else:
        form = TopicForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            topic = topic_raise(
                station=station,
                raised_by=request.user,
                title=data["title"],
                description=data["description"],
                photos=data["photos"],
                site=site,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Thank you! Your topic was raised; the station lead will look at it soon.")
            )
            return redirect("deliberation:topic_detail", topic_id=topic.pk)
    return render(
        request,
        "deliberation/topic_form.html",
        {"station": station, "form": form, "site": site},
        status=400 if form.errors else 200,
    )


def _timeline(topic: Topic) -> list[TimelineStep]:
    steps = []
    for update in topic.updates.all():
        resolution = update.actor_role == TopicUpdate.Role.SESSION
        steps.append(
            TimelineStep(
                label=str(RESOLUTION_STEP) if resolution else update.get_status_display(),
                at=update.created_at,
                family=Topic(status=update.status).status_family,
                actor=update.get_actor_role_display(),
                note=update.note,
            )
        )
    return steps


RESOLUTION_STEP = gettext_lazy("The session's resolution")
NEXT_STEPS: dict[str, StrOrPromise] = {
    Topic.Status.OPEN: gettext_lazy(
        "The station lead will look at the topic and take it to a session or answer it."
    ),
    Topic.Status.ACCEPTED: gettext_lazy(
        "The station lead will put the topic on the agenda of a deliberation session."
    ),
    Topic.Status.SCHEDULED: gettext_lazy(
        "The parties discuss the topic at the session; its resolution will appear here."
    ),
}


def topic_detail(request: HttpRequest, topic_id: int, answer_form: AnswerForm | None = None) -> HttpResponse:
    topic = _topic_or_404(topic_id)
    user = request.user
    is_lead = selectors.can_run(user, topic.station)
    next_step = NEXT_STEPS.get(topic.status, "")
    if topic.status == Topic.Status.SCHEDULED and topic.resolution:
        next_step = _("The resolution is recorded; the station lead will say whether the topic was resolved.")
    context = {
        "topic": topic,
        "station": topic.station,
        "steps": _timeline(topic),
        "next_step": str(next_step),
        "raiser_name": masked_name(topic.raised_by.real_name),
        "is_raiser": user.is_authenticated and topic.raised_by_id == user.pk,
        "supported": selectors.has_supported(user=user, topic=topic),
        "is_lead": is_lead,
        "photos_visible": bool(topic.photos.all())
        and (
            topic.status in selectors.PHOTO_PUBLIC_STATUSES
            or (user.is_authenticated and (topic.raised_by_id == user.pk or is_lead))
        ),
    }
    if is_lead and topic.status == Topic.Status.OPEN:
        context["accept_form"] = AcceptForm()
        context["answer_form"] = answer_form or AnswerForm()
    return render(request, "deliberation/topic_detail.html", context, status=400 if answer_form else 200)


@login_required
@require_POST
def support(request: AuthenticatedHttpRequest, topic_id: int) -> HttpResponse:
    get_object_or_404(Topic, pk=topic_id, station__is_active=True)
    try:
        topic_support(topic_id=topic_id, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you for your support. You will hear at every step."))
    return redirect("deliberation:topic_detail", topic_id=topic_id)


@login_required
@require_POST
def unsupport(request: AuthenticatedHttpRequest, topic_id: int) -> HttpResponse:
    get_object_or_404(Topic, pk=topic_id, station__is_active=True)
    try:
        topic_unsupport(topic_id=topic_id, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your support was withdrawn."))
    return redirect("deliberation:topic_detail", topic_id=topic_id)


def _lead_topic(request: HttpRequest, topic_id: int) -> Topic:
    topic = get_object_or_404(Topic.objects.select_related("station"), pk=topic_id, station__is_active=True)
    if not selectors.can_run(request.user, topic.station):
        raise PermissionDenied
    return topic


@login_required
@require_POST
def accept(request: AuthenticatedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _lead_topic(request, topic_id)
    form = AcceptForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        topic_accept(topic_id=topic.pk, acting_user=request.user, note=note)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Topic accepted. Put it on the agenda when you schedule the next session.")
        )
    if request.POST.get("back") == "station":
        return redirect("deliberation:station_detail", station_id=topic.station_id)
    return redirect("deliberation:topic_detail", topic_id=topic.pk)


@login_required
@require_POST
def close(request: AuthenticatedHttpRequest, topic_id: int) -> HttpResponse:
    topic = _lead_topic(request, topic_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return topic_detail(request, topic.pk, answer_form=form)
    try:
        topic_close(topic_id=topic.pk, acting_user=request.user, answer=form.cleaned_data["answer"])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The topic is answered and closed; the worker and the supporters were told.")
        )
    return redirect("deliberation:topic_detail", topic_id=topic.pk)


@login_required
def my_topics(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.topics_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "deliberation/my_topics.html", {"page": page})


def photo(request: HttpRequest, photo_id: int, size: str) -> HttpResponseBase:
    item = get_object_or_404(TopicPhoto.objects.select_related("topic__station"), pk=photo_id)
    if size not in ("thumb", "full") or not selectors.photo_visible_to(photo=item, user=request.user):
        raise Http404
    return private_file_response(item.thumbnail if size == "thumb" else item.image)
