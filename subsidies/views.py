"""Worker pages of the tuition subsidy: thin, every write through subsidies.actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.typing import AuthenticatedHttpRequest
from core.exceptions import ApplicationError
from core.files import private_file_response
from core.uploads import CleanFile
from subsidies import actions, eligibility, selectors
from subsidies.forms import AppealForm, DocumentsForm, SubmitForm
from subsidies.models import SubsidyApplication

Status = SubsidyApplication.Status


def step_names() -> list[str]:
    return [_("Eligibility and amount"), _("Documents"), _("Review and submit")]


@login_required
def my_subsidy(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = [
        {"application": application, "family": selectors.status_family(application.status)}
        for application in selectors.applications_of(worker=request.user)
    ]
    return render(
        request,
        "subsidies/mine.html",
        {"rows": rows, "can_apply": selectors.enrolments_without_application(worker=request.user)},
    )


@login_required
def apply_start(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = selectors.own_enrolment(worker=request.user, enrolment_id=enrolment_id)
    scheme = actions.scheme_for(enrolment)
    assessment = eligibility.assess(enrolment=enrolment, scheme=scheme) if scheme else None
    error = ""
    if request.method == "POST":
        try:
            application = actions.application_start(worker=request.user, enrolment_id=enrolment.pk)
        except ApplicationError as refusal:
            error = refusal.message
        else:
            return redirect("subsidies:documents", application.pk)
    return render(
        request,
        "subsidies/apply_start.html",
        {
            "enrolment": enrolment,
            "scheme": scheme,
            "assessment": assessment,
            "error": error,
            "step_names": step_names(),
            "current": 1,
        },
    )


@login_required
def application_documents(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_of(worker=request.user, application_id=application_id)
    if application.status not in (Status.DRAFT, Status.RETURNED):
        return redirect("subsidies:application", application.pk)
    needed = actions.required_documents(application)
    on_file = {name for name in needed if getattr(application, name)}
    form = DocumentsForm(
        request.POST if request.method == "POST" else None,
        request.FILES or None,
        needed=needed,
        on_file=on_file,
    )
    if request.method == "POST" and form.is_valid():
        documents: dict[str, CleanFile] = {
            name: form.cleaned_data[name] for name in needed if form.cleaned_data.get(name)
        }
        actions.application_attach_documents(
            worker=request.user, application_id=application.pk, documents=documents
        )
        return redirect("subsidies:review", application.pk)
    return render(
        request,
        "subsidies/documents.html",
        {
            "application": application,
            "form": form,
            "on_file": on_file,
            "step_names": step_names(),
            "current": 2,
        },
    )


@login_required
def application_review(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_of(worker=request.user, application_id=application_id)
    if application.status not in (Status.DRAFT, Status.RETURNED):
        return redirect("subsidies:application", application.pk)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.application_submit(worker=request.user, application_id=application.pk)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your subsidy application is submitted."))
            return redirect("subsidies:application", application.pk)
    assessment = eligibility.assess(enrolment=application.enrolment, scheme=application.scheme)
    return render(
        request,
        "subsidies/review.html",
        {
            "application": application,
            "assessment": assessment,
            "form": form,
            "needed": actions.required_documents(application),
            "step_names": step_names(),
            "current": 3,
        },
    )


@login_required
def application_detail(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_of(worker=request.user, application_id=application_id)
    steps, next_step = selectors.timeline(application)
    return render(
        request,
        "subsidies/application.html",
        {
            "application": application,
            "steps": steps,
            "next_step": next_step,
            "family": selectors.status_family(application.status),
            "instalments": list(application.instalments.all()),
            "appeal_form": AppealForm()
            if application.status == Status.REJECTED and not application.appeal_used
            else None,
        },
    )


@login_required
@require_POST
def application_appeal(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_of(worker=request.user, application_id=application_id)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            actions.application_appeal(
                worker=request.user, application_id=application.pk, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your appeal is lodged."))
            return redirect("subsidies:application", application.pk)
    steps, next_step = selectors.timeline(application)
    return render(
        request,
        "subsidies/application.html",
        {
            "application": application,
            "steps": steps,
            "next_step": next_step,
            "family": selectors.status_family(application.status),
            "instalments": list(application.instalments.all()),
            "appeal_form": form,
        },
    )


@login_required
@require_POST
def application_withdraw(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    application = selectors.application_of(worker=request.user, application_id=application_id)
    try:
        actions.application_withdraw(worker=request.user, application_id=application.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your subsidy application is withdrawn."))
    return redirect("subsidies:application", application.pk)


@login_required
def document_file(request: AuthenticatedHttpRequest, application_id: int, field: str) -> HttpResponseBase:
    """The worker's own documents, or any for staff who review subsidy applications."""
    if field not in actions.DOCUMENT_LABELS:
        raise Http404
    if request.user.has_perm("subsidies.view_subsidyapplication"):
        application = SubsidyApplication.objects.filter(pk=application_id).first()
    else:
        application = SubsidyApplication.objects.filter(pk=application_id, applicant=request.user).first()
    if application is None:
        raise Http404
    return private_file_response(getattr(application, field))
