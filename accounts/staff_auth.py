"""How staff log in: a password, then a second factor (TOTP or a recovery code), at every login.

The login is django-allauth's, for staff and workers alike; /admin/login/ only sends people
there (accounts/admin_site.py). allauth keeps in the session the list of methods this login
used ("password", "code", "mfa"); admin opens only when that list holds a password and a second
factor. Workers log in with an SMS code; a staff member who tries that is stopped at
StaffLoginStage, before any session exists. Failed passwords are throttled per mobile number
and per IP (settings.ACCOUNT_RATE_LIMITS["login_failed"]); while either is spent, even the right
password is refused. Every step is an audit row (accounts/auth_audit.py).
"""

import math
from typing import TYPE_CHECKING

from allauth.account.authentication import get_authentication_records
from allauth.account.forms import LoginForm, PasswordField
from allauth.account.internal.flows.login import record_authentication
from allauth.account.stages import LoginStage
from allauth.account.views import LoginView
from allauth.core import context
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import auth_audit
from core import crypto
from core.validation import normalize_typed

if TYPE_CHECKING:
    # mypy reads each mixin as the allauth class it is always combined with.
    from allauth.account.adapter import DefaultAccountAdapter as _AdapterBase
    from allauth.mfa.base.forms import AuthenticateForm as _CodeFormBase
else:
    _AdapterBase = _CodeFormBase = object

LOGIN_LOCKED = _(
    "Too many failed logins for this account or from this network. Please try again in "
    "%(minutes)s minutes, or ask the system administrator for help."
)
STAFF_CODE_LOGIN_REFUSED = _(
    "Staff accounts cannot log in with an SMS code. Please log in with your mobile number and "
    "password, then enter the code from your authenticator app."
)
TOTP_SETUP_REQUIRED = _(
    "Before the staff admin opens, set up your authenticator app: scan the QR code with it, "
    "then enter the 6-digit code it shows."
)
AUTHENTICATOR_CODE_WRONG = _(
    "The code is not right: enter the 6 digits your authenticator app shows now, or one of your "
    "recovery codes."
)
ADMIN_NEEDS_PASSWORD_AND_SECOND_FACTOR = _(
    "This login cannot open the staff admin. Staff log in with their mobile number and password, "
    "then enter the code from their authenticator app."
)

# The names allauth gives these methods in the session's record of a login.
PASSWORD = "password"  # noqa: S105  (a method's name, not a secret)
SECOND_FACTOR = "mfa"


def login_methods(request: HttpRequest, user) -> list[str]:
    """The methods this session's login used, in order: e.g. ["password", "mfa"] or ["code"]."""
    return [record.get("method", "") for record in get_authentication_records(request, user)]


def first_factor(request: HttpRequest, user) -> str:
    """How the person proved who they are before any second factor ("password", "code", or "")."""
    return next((method for method in reversed(login_methods(request, user)) if method != SECOND_FACTOR), "")


def staff_session_is_verified(request: HttpRequest) -> bool:
    """A password and a second factor in this session. Reads the session only: no query."""
    methods = login_methods(request, request.user)
    return PASSWORD in methods and SECOND_FACTOR in methods


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def is_staff_account(user) -> bool:
    return bool(user is not None and (user.is_staff or user.is_superuser))


class StaffLoginForm(LoginForm):
    """allauth's login form with the password: workers' forms have none (they sign up without one)."""

    def _setup_password_field(self) -> None:
        # No "forgot your password?" link: staff passwords are reset by an administrator in admin.
        self.fields["password"] = PasswordField(label=_("Password"), autocomplete="current-password")


class StaffLoginView(LoginView):
    """The staff login (where /admin/login/ leads): mobile number and password, then allauth's stages,
    the second factor among them."""

    form_class = StaffLoginForm
    template_name = "account/staff_login.html"

    def get_form_class(self):
        return self.form_class


class StaffLoginStage(LoginStage):
    """Stops a staff member's login that did not start with a password (an SMS code).

    Runs before allauth's MFA stage, so an SMS code plus an authenticator code is refused too:
    staff always need the password. The login is dropped: no session is created.
    """

    key = "staff_password"

    def handle(self):
        user = self.login.user
        if not is_staff_account(user) or first_factor(self.request, user) == PASSWORD:
            return None, True
        auth_audit.login_refused(request=self.request, user=user, reason="staff_without_password")
        messages.error(self.request, STAFF_CODE_LOGIN_REFUSED)
        return HttpResponseRedirect(reverse("staff_login")), False


class StaffLoginThrottleMixin(_AdapterBase):
    """AccountAdapter methods: failed passwords throttled per mobile number and per IP, lockouts audited."""

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        # allauth keys the per-account limit by e-mail or username; without this every phone login
        # would share one key (one person's typos would lock everybody out).
        phone = credentials.get("phone")
        return f"phone:{phone}" if phone else super()._get_login_attempts_cache_key(request, **credentials)

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            key = self._get_login_attempts_cache_key(request, **credentials)
            minutes = lockout_minutes(request, key=key)
            auth_audit.lockout(
                request=request, phone=credentials.get("phone", ""), minutes=minutes, stage="password"
            )
            raise ValidationError(LOGIN_LOCKED % {"minutes": minutes}, code="login_locked") from None

    def get_login_stages(self) -> list[str]:
        stages = super().get_login_stages()
        stages.insert(
            stages.index("allauth.mfa.stages.AuthenticateStage"), "accounts.staff_auth.StaffLoginStage"
        )
        return stages


def lockout_minutes(request: HttpRequest, *, key: str) -> int:
    """The longest window among the failed-login limits that refuse this attempt, in minutes."""
    rates = allauth_ratelimit.parse_rates(settings.ACCOUNT_RATE_LIMITS.get("login_failed"))
    refusing = [
        rate
        for rate in rates
        if not allauth_ratelimit.consume(
            request,
            app="allauth.account",
            action="login_failed",
            config={"login_failed": f"{rate.amount}/{rate.duration:g}s/{rate.per}"},
            key=key,
            dry_run=True,
        )
    ]
    return math.ceil(max(rate.duration for rate in refusing or rates) / 60)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are encrypted at rest, like resident ID numbers."""

    error_messages = {**DefaultMFAAdapter.error_messages, "incorrect_code": AUTHENTICATOR_CODE_WRONG}

    def encrypt(self, text: str) -> str:
        return crypto.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt(encrypted_text)

    def get_totp_label(self, user) -> str:
        return user.phone_display


class HalfWidthCodeMixin(_CodeFormBase):
    """A phone's Chinese keyboard may type full-width digits (１２３４５６): read them as 123456."""

    def clean_code(self) -> str:
        self.cleaned_data["code"] = normalize_typed(self.cleaned_data["code"])
        return super().clean_code()


class AuthenticateForm(HalfWidthCodeMixin, AllauthAuthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Authenticator code or recovery code")

    def clean_code(self) -> str:
        try:
            return super().clean_code()
        except ValidationError as error:
            # allauth counts wrong codes against the same failed-login limits, per account.
            if error.code != "too_many_login_attempts":
                raise
            minutes = lockout_minutes(context.request, key=f"mfa-auth-user-{self.user.pk}")
            auth_audit.lockout(
                request=context.request, phone=self.user.phone, minutes=minutes, stage="second_factor"
            )
            raise ValidationError(LOGIN_LOCKED % {"minutes": minutes}, code="login_locked") from None


class ReauthenticateForm(HalfWidthCodeMixin, AllauthReauthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Authenticator code or recovery code")


class ActivateTOTPForm(HalfWidthCodeMixin, AllauthActivateTOTPForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Authenticator code")

    def clean_code(self) -> str:
        code = super().clean_code()
        # Setting up the app takes a valid code from it: the second factor of this login is proven,
        # so a staff member who has just set it up after the password goes on into admin. (Here and
        # not in allauth's authenticator_added signal, which runs after the session is saved.)
        record_authentication(context.request, self.user, SECOND_FACTOR, type=Authenticator.Type.TOTP)
        return code
