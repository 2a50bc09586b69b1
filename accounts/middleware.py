from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from accounts.staff_auth import is_staff_account, staff_session_is_verified

# The pages a staff session may open before its second factor: setting it up, logging out.
SET_UP_URL_NAMES = (
    "admin:login",
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "account_reauthenticate",
    "account_logout",
    "set_language",
)


class StaffSecondFactorMiddleware:
    """A staff session without a password and a second factor opens nothing but their set-up.

    Admin checks this itself (accounts/admin_site.py); this covers the staff pages outside admin
    (a station's venue screen, the reward hand-over, private uploads). Such a session belongs to
    a staff member who logged in with the password before setting up an authenticator, or to a
    login from before staff needed one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            is_staff_account(request.user)
            and not staff_session_is_verified(request)
            and not self._is_set_up_page(request.path)
        ):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return self.get_response(request)

    @staticmethod
    def _is_set_up_page(path: str) -> bool:
        if path.startswith(settings.STATIC_URL):
            return True
        return path in {reverse(name) for name in SET_UP_URL_NAMES}
