from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.actions import consent_withdraw, profile_save
from accounts.forms import WorkerProfileForm
from accounts.selectors import consents_of, has_sensitive_data_consent, profile_for
from accounts.typing import AuthenticatedHttpRequest
from core.exceptions import ApplicationError


@login_required
def me(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "accounts/me.html", {"profile": profile_for(user=request.user)})


def _back_to(request: AuthenticatedHttpRequest) -> str:
    """A page of ours that sent the worker here to fix the profile (?next=), or ""."""
    next_url = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return next_url if next_url and safe else ""


@login_required
def profile_edit(request: AuthenticatedHttpRequest) -> HttpResponse:
    profile = profile_for(user=request.user)
    form_kwargs: dict[str, Any] = {
        "user": request.user,
        "has_id_number": bool(profile and profile.has_id_number),
    }
    if request.method == "POST":
        form = WorkerProfileForm(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                profile_save(user=request.user, **form.cleaned_data)
            except ApplicationError as error:
                form.add_error(getattr(error, "field", None), error.message)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect(_back_to(request) or "me")
    else:
        initial: dict[str, Any] = {"real_name": request.user.real_name}
        if profile:
            initial.update(
                occupation=profile.occupation,
                platform=profile.platform,
                street=profile.street,
                months_in_trade=profile.months_in_trade,
                education=profile.education,
            )
        form = WorkerProfileForm(initial=initial, **form_kwargs)
    consent_on_file = has_sensitive_data_consent(
        user=request.user, notice_version=settings.SENSITIVE_DATA_NOTICE_VERSION
    )
    return render(
        request,
        "accounts/profile_form.html",
        {"form": form, "profile": profile, "consent_on_file": consent_on_file},
    )


@login_required
def privacy(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/privacy.html",
        {"consents": consents_of(user=request.user), "profile": profile_for(user=request.user)},
    )


@login_required
@require_POST
def privacy_withdraw(request: AuthenticatedHttpRequest, consent_id: int) -> HttpResponse:
    try:
        consent_withdraw(user=request.user, consent_id=consent_id)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your consent is withdrawn."))
    return redirect("privacy")
