"""Django admin behind the staff login: a password and a second factor in this session, every time.

Admin's own login form (a password, no throttle, no second factor) is gone: /admin/login/ sends
people to the staff login (allauth's, with the password), which throttles failed passwords, asks for the
authenticator code and writes the audit rows (accounts/staff_auth.py).
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from accounts.staff_auth import (
    ADMIN_NEEDS_PASSWORD_AND_SECOND_FACTOR,
    PASSWORD,
    TOTP_SETUP_REQUIRED,
    first_factor,
    has_totp,
    staff_session_is_verified,
)


class PeopleAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete answers name a person as the viewer may see them: 138****0001 for station staff."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if isinstance(obj, get_user_model()):
            from accounts.selectors import person_for

            result["text"] = person_for(self.request.user, obj)
        return result


class StaffAdminSite(admin.AdminSite):
    def autocomplete_view(self, request):
        return PeopleAutocompleteJsonView.as_view(admin_site=self)(request)

    def has_permission(self, request) -> bool:
        # Called on every admin request: it reads the session only (no query), so pinned query
        # counts of admin pages stay as they are.
        return super().has_permission(request) and staff_session_is_verified(request)

    @method_decorator(never_cache)
    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        next_url = self._next_url(request)
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('staff_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        if self.has_permission(request):
            return redirect(next_url)
        if (
            user.is_active
            and user.is_staff
            and first_factor(request, user) == PASSWORD
            and not has_totp(user)
        ):
            messages.info(request, TOTP_SETUP_REQUIRED)
            return redirect("mfa_activate_totp")
        # A worker's session, or a login without the password: never a loop back to the login page.
        context = {
            **self.each_context(request),
            "title": self.site_title,
            "reason": ADMIN_NEEDS_PASSWORD_AND_SECOND_FACTOR,
            "next": next_url,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/staff_login_required.html", context, status=403)

    def _next_url(self, request) -> str:
        next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return next_url
        return reverse("admin:index", current_app=self.name)
