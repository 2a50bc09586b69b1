"""Worker pages of 随手帮 and 随口说: record help, take a help request, pass on what people say."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.typing import AuthenticatedHttpRequest
from core.exceptions import ApplicationError
from core.files import private_file_response
from governance.selectors import is_grid_member
from voice import actions, selectors
from voice.forms import DeedForm, DoneForm, OpinionForm
from voice.models import HelpDeed, HelpRequest, Opinion

PAGE_SIZE = 20


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _not_member(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"message": str(actions.NOT_A_GRID_MEMBER)}, status=403)
    return render(request, "voice/not_member.html", status=403)


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_grid_member(user=request.user):
        return _not_member(request)
    return render(
        request,
        "voice/index.html",
        {
            "open_requests": list(selectors.open_requests_for(user=request.user)[:PAGE_SIZE]),
            "taken": list(
                selectors.requests_taken_by(user=request.user).filter(status=HelpRequest.Status.TAKEN)
            ),
        },
    )


def _located_submit(
    request: AuthenticatedHttpRequest, form, submit, done_url, thanks: str, sent: str
) -> HttpResponse | None:
    """The shared POST path of the two worker forms; None: the form is to be shown again."""
    if not form.is_valid():
        return None
    try:
        row, created = submit(form.cleaned_data)
    except ApplicationError as error:
        form.add_error(
            error.extra.get("field") if error.extra.get("field") in form.fields else None, error.message
        )
        return None
    url = reverse(done_url, args=[row.pk])
    if _wants_json(request):
        # `sent`: the line of the outbox list (static/governance/report-queue.js) once it went out.
        return JsonResponse(
            {"id": row.pk, "url": url, "sent": sent % {"id": row.pk}}, status=201 if created else 200
        )
    messages.success(request, thanks % {"id": row.pk})
    return redirect(url)


def _form_page(request: HttpRequest, template: str, form) -> HttpResponse:
    if request.method == "POST" and _wants_json(request):
        return JsonResponse(
            {"message": _("Please correct the marked fields."), "errors": form.errors.get_json_data()},
            status=400,
        )
    return render(request, template, {"form": form}, status=400 if form.errors else 200)


@login_required
def deed_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_grid_member(user=request.user):
        return _not_member(request)
    if request.method != "POST":
        return _form_page(request, "voice/deed_form.html", DeedForm(initial={"client_uuid": uuid.uuid4()}))
    form = DeedForm(request.POST, request.FILES)

    def submit(data):
        return actions.deed_record(
            worker=request.user,
            kind=data["kind"],
            note=data["note"],
            photo=data["photo"],
            lat=data["lat"],
            lng=data["lng"],
            address=data["address"],
            client_uuid=data["client_uuid"],
        )

    done = _located_submit(
        request,
        form,
        submit,
        "voice:deed_detail",
        _("Thank you! Your help #%(id)s was recorded."),
        _("Help given (随手帮) #%(id)s sent"),
    )
    return done or _form_page(request, "voice/deed_form.html", form)


@login_required
def deed_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.deeds_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "voice/deed_list.html", {"page": page})


@login_required
def deed_detail(request: AuthenticatedHttpRequest, deed_id: int) -> HttpResponse:
    deed = get_object_or_404(HelpDeed, pk=deed_id, worker=request.user)
    return render(request, "voice/deed_detail.html", {"deed": deed})


def deed_photo(request: HttpRequest, deed_id: int) -> HttpResponseBase:
    deed = get_object_or_404(HelpDeed, pk=deed_id)
    if not selectors.deed_photo_visible_to(deed=deed, user=request.user):
        raise Http404
    return private_file_response(deed.photo)


@login_required
def request_detail(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    try:
        help_request = selectors.request_for(user=request.user, request_id=request_id)
    except HelpRequest.DoesNotExist:
        raise Http404 from None
    recipient = None
    if selectors.recipient_visible_to(request=help_request, user=request.user):
        recipient = getattr(help_request, "recipient", None)
    return render(
        request,
        "voice/request_detail.html",
        {"help_request": help_request, "recipient": recipient, "done_form": DoneForm()},
    )


@login_required
@require_POST
def request_take(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    try:
        actions.request_take(request_id=request_id, user=request.user)
    except HelpRequest.DoesNotExist:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("voice:index")
    messages.success(request, _("You took this help request. The details of the person are below."))
    return redirect("voice:request_detail", request_id=request_id)


@login_required
@require_POST
def request_done(request: AuthenticatedHttpRequest, request_id: int) -> HttpResponse:
    try:
        help_request = selectors.request_for(user=request.user, request_id=request_id)
    except HelpRequest.DoesNotExist:
        raise Http404 from None
    form = DoneForm(request.POST)
    if form.is_valid():
        try:
            actions.request_done(request_id=request_id, user=request.user, note=form.cleaned_data["note"])
        except ApplicationError as error:
            form.add_error("note", error.message)
        else:
            messages.success(request, _("Thank you! The requester will confirm it, then your points follow."))
            return redirect("voice:request_detail", request_id=request_id)
    recipient = (
        getattr(help_request, "recipient", None)
        if selectors.recipient_visible_to(request=help_request, user=request.user)
        else None
    )
    return render(
        request,
        "voice/request_detail.html",
        {"help_request": help_request, "recipient": recipient, "done_form": form},
        status=400,
    )


@login_required
def opinion_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not is_grid_member(user=request.user):
        return _not_member(request)
    if request.method != "POST":
        return _form_page(
            request, "voice/opinion_form.html", OpinionForm(initial={"client_uuid": uuid.uuid4()})
        )
    form = OpinionForm(request.POST, request.FILES)

    def submit(data):
        return actions.opinion_submit(
            worker=request.user,
            text=data["text"],
            audio=data["audio"],
            topic=data["topic"],
            lat=data["lat"],
            lng=data["lng"],
            address=data["address"],
            client_uuid=data["client_uuid"],
        )

    done = _located_submit(
        request,
        form,
        submit,
        "voice:opinion_detail",
        _("Thank you! What you passed on (#%(id)s) was sent."),
        _("Opinion (随口说) #%(id)s sent"),
    )
    return done or _form_page(request, "voice/opinion_form.html", form)


@login_required
def opinion_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.opinions_of(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "voice/opinion_list.html", {"page": page})


@login_required
def opinion_detail(request: AuthenticatedHttpRequest, opinion_id: int) -> HttpResponse:
    opinion = get_object_or_404(Opinion.objects.select_related("station"), pk=opinion_id, worker=request.user)
    return render(request, "voice/opinion_detail.html", {"opinion": opinion})


def opinion_audio(request: HttpRequest, opinion_id: int) -> HttpResponseBase:
    """The recording, streamed to the member who sent it and to staff allowed to hear it."""
    opinion = get_object_or_404(Opinion, pk=opinion_id)
    if not selectors.audio_audible_to(opinion=opinion, user=request.user):
        raise Http404
    return private_file_response(opinion.audio)
