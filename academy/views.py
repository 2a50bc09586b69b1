"""Worker pages of the academy: thin, every write through academy.actions."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from academy import actions, eligibility, selectors
from academy.forms import CertificateForm, ChooseOfferingForm, ConfirmForm, ProgrammeFilterForm
from academy.models import Enrolment
from accounts.typing import AuthenticatedHttpRequest
from core import fragments
from core.exceptions import ApplicationError
from core.files import private_file_response

STEP_NAMES = [label for _value, label in Enrolment.Step.choices]


resume_url = selectors.resume_url


# A catalogue page asked with only these parameters (once each, a page number of up to four
# digits) and a valid filter is kept (core.fragments); anything else is drawn every time.
CATALOGUE_PARAMETERS = frozenset({"level", "major", "page"})


def programme_list(request: HttpRequest) -> HttpResponse:
    def draw() -> fragments.Drawn:
        # Read first: an intake that opens while the list is read is drawn again at once.
        until = selectors.next_intake_change()
        form = ProgrammeFilterForm(request.GET or None)
        level = major = ""
        if form.is_valid():
            level, major = form.cleaned_data["level"], form.cleaned_data["major"]
        page = Paginator(selectors.programmes(level=level, major=major), 20).get_page(request.GET.get("page"))
        html = render_to_string("academy/_catalogue.html", {"form": form, "page": page}, request)
        return fragments.Drawn(
            html,
            keep=fragments.plain_query(request, CATALOGUE_PARAMETERS)
            and (not form.is_bound or form.is_valid()),
            until=until,
        )

    catalogue = fragments.shared(request, selectors.CATALOGUE, request.GET.urlencode(), draw)
    return render(request, "academy/programme_list.html", {"catalogue": catalogue})


def programme_detail(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = get_object_or_404(selectors.programmes(), pk=programme_id)
    offerings = list(selectors.open_offerings(programme=programme))
    checks: list[dict[str, Any]] = []
    if request.user.is_authenticated:
        for offering in offerings:
            checks.append(
                {
                    "offering": offering,
                    "eligibility": eligibility.check(worker=request.user, offering=offering),
                    "live": selectors.live_enrolment_for_intake(
                        worker=request.user, intake_id=offering.intake_id
                    ),
                }
            )
    alternatives = []
    if checks and not any(check["eligibility"].eligible or check["live"] for check in checks):
        # Not this one: the open programmes this worker could apply for instead.
        alternatives = [
            offering
            for offering in selectors.open_offerings().exclude(programme=programme)
            if eligibility.check(worker=request.user, offering=offering).eligible
        ][:5]
    return render(
        request,
        "academy/programme_detail.html",
        {"programme": programme, "offerings": offerings, "checks": checks, "alternatives": alternatives},
    )


@login_required
def apply_choose(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ChooseOfferingForm(request.POST)
        if form.is_valid():
            try:
                enrolment = actions.enrolment_start(
                    worker=request.user, offering_id=form.cleaned_data["offering"].pk
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                return redirect(resume_url(enrolment))
    else:
        form = ChooseOfferingForm(initial={"offering": request.GET.get("offering")})
    return render(
        request, "academy/apply_choose.html", {"form": form, "step_names": STEP_NAMES, "current": 1}
    )


@login_required
def application_certificate(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = selectors.enrolment_of(worker=request.user, enrolment_id=enrolment_id)
    if enrolment.status != Enrolment.Status.DRAFT:
        return redirect("academy:application", enrolment.pk)
    if request.method == "POST":
        if "keep" in request.POST and enrolment.certificate:
            return redirect("academy:review", enrolment.pk)
        form = CertificateForm(request.POST, request.FILES)
        if form.is_valid():
            actions.enrolment_attach_certificate(
                worker=request.user, enrolment_id=enrolment.pk, certificate=form.cleaned_data["certificate"]
            )
            return redirect("academy:review", enrolment.pk)
    else:
        form = CertificateForm()
    return render(
        request,
        "academy/apply_certificate.html",
        {"form": form, "enrolment": enrolment, "step_names": STEP_NAMES, "current": 2},
    )


@login_required
def application_review(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = selectors.enrolment_of(worker=request.user, enrolment_id=enrolment_id)
    if enrolment.status != Enrolment.Status.DRAFT:
        return redirect("academy:application", enrolment.pk)
    if not enrolment.certificate:
        return redirect("academy:certificate", enrolment.pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.enrolment_submit(
                worker=request.user,
                enrolment_id=enrolment.pk,
                share_id_with_university=form.cleaned_data["share_id_with_university"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your application is submitted. We will tell you the decision."))
            return redirect("academy:application", enrolment.pk)
    return render(
        request,
        "academy/apply_review.html",
        {
            "form": form,
            "enrolment": enrolment,
            "profile": request.user.profile,
            "eligibility": eligibility.check(worker=request.user, offering=enrolment.offering),
            "step_names": STEP_NAMES,
            "current": 3,
        },
    )


@login_required
def applications(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = [
        {
            "enrolment": enrolment,
            "resume_url": resume_url(enrolment),
            "family": selectors.status_family(enrolment.status),
        }
        for enrolment in selectors.enrolments_of(worker=request.user)
    ]
    return render(request, "academy/applications.html", {"rows": rows})


@login_required
def application_detail(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = selectors.enrolment_of(worker=request.user, enrolment_id=enrolment_id)
    steps, next_step = selectors.timeline(enrolment)
    return render(
        request,
        "academy/application_detail.html",
        {
            "enrolment": enrolment,
            "steps": steps,
            "next_step": next_step,
            "family": selectors.status_family(enrolment.status),
            "resume_url": resume_url(enrolment),
            "step_names": STEP_NAMES,
        },
    )


@login_required
@require_POST
def application_withdraw(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = selectors.enrolment_of(worker=request.user, enrolment_id=enrolment_id)
    try:
        actions.enrolment_withdraw(worker=request.user, enrolment_id=enrolment.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your application is withdrawn."))
    return redirect("academy:application", enrolment.pk)


@login_required
def certificate_file(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponseBase:
    """The worker's own certificate, or any certificate for staff who review applications."""
    if request.user.has_perm("academy.view_enrolment"):
        enrolment = Enrolment.objects.filter(pk=enrolment_id).first()
    else:
        enrolment = selectors.enrolments_of(worker=request.user).filter(pk=enrolment_id).first()
    if enrolment is None or not enrolment.certificate:
        raise Http404
    return private_file_response(enrolment.certificate)
