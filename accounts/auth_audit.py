"""The audit trail of authentication: logins, failed logins, lockouts, refused logins, MFA changes.

Written from Django's and allauth's signals (connected here, imported by AccountsConfig.ready),
so every way in is covered: the password form, the SMS code, the second factor, and the pages
where a person sets up or removes an authenticator. Rows never hold a password, a code or a
secret; a number that belongs to nobody is kept masked.

| action                          | when                                                          |
|---------------------------------|---------------------------------------------------------------|
| auth.login                      | a login completed (data: first factor, second factor, IP)     |
| auth.login_failed               | a wrong password, SMS code or authenticator code (data: stage)|
| auth.lockout                    | failed-login limit reached: refused until the window passes   |
| auth.login_refused              | a staff member tried to log in without a password             |
| mfa.totp_activated / _deactivated | an authenticator app set up or removed                      |
| mfa.recovery_codes_generated    | recovery codes made (with the app, or new ones on request)    |
| mfa.recovery_codes_removed      | recovery codes dropped (with the last authenticator)          |
| mfa.recovery_code_used          | a recovery code used in place of the app                      |
| mfa.removed_by_staff            | a superuser deleted someone's authenticator (accounts/admin_mfa.py) |
"""

import hashlib

from allauth.account import signals as account_signals
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.authentication import get_authentication_records
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest

from core import audit
from core.privacy import masked_phone


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    try:
        return get_account_adapter(request).get_client_ip(request)
    except Exception:  # allauth refuses a request without an address; the row then has none
        return ""


def _account(phone: str):
    return get_user_model().objects.filter(phone=phone).first() if phone else None


def _failed(*, request, user, stage: str, **data) -> None:
    audit.record(
        actor=None,
        action="auth.login_failed",
        target=user,
        data={"stage": stage, "ip": client_ip(request), **data},
    )


def lockout(*, request: HttpRequest, phone: str, minutes: int, stage: str) -> None:
    """One row per number, address and stage for each lockout window, however often it is knocked on."""
    ip = client_ip(request)
    marker = "xiaoge:lockout-audited:" + hashlib.sha256(f"{stage}|{phone}|{ip}".encode()).hexdigest()
    if not cache.add(marker, 1, timeout=minutes * 60):
        return
    user = _account(phone)
    data = {"stage": stage, "ip": ip, "minutes": minutes}
    if user is None:
        data["phone"] = masked_phone(phone)
    audit.record(actor=None, action="auth.lockout", target=user, data=data)


def login_refused(*, request: HttpRequest, user, reason: str) -> None:
    audit.record(
        actor=None,
        action="auth.login_refused",
        target=user,
        data={"reason": reason, "ip": client_ip(request)},
    )


@receiver(account_signals.user_logged_in)
def login_completed(sender, request, user, **kwargs) -> None:
    from accounts.staff_auth import SECOND_FACTOR, first_factor  # staff_auth imports this module

    second = [
        r.get("type", "")
        for r in get_authentication_records(request, user)
        if r.get("method") == SECOND_FACTOR
    ]
    audit.record(
        actor=user,
        action="auth.login",
        target=user,
        data={
            # Nothing recorded: a new account's first login, right after its number was verified
            # with an SMS code at sign-up (allauth does not record that as a login method).
            "first_factor": first_factor(request, user) or "signup",
            "second_factor": second[-1] if second else "",
            "ip": client_ip(request),
        },
    )


@receiver(user_login_failed)
def password_refused(sender, credentials, request=None, **kwargs) -> None:
    phone = credentials.get("phone", "")
    user = _account(phone)
    extra = {} if user is not None else {"phone": masked_phone(phone)}
    _failed(request=request, user=user, stage="password", **extra)


@receiver(account_signals.login_code_rejected)
def sms_code_refused(sender, request, user, last_attempt: bool = False, **kwargs) -> None:
    _failed(request=request, user=user, stage="sms_code", last_attempt=last_attempt)


@receiver(mfa_signals.authentication_failed)
def second_factor_refused(sender, request, user, authenticator, reauthentication: bool = False, **kwargs):
    _failed(request=request, user=user, stage="second_factor", reauthentication=reauthentication)


_ADDED = {
    Authenticator.Type.TOTP: "mfa.totp_activated",
    Authenticator.Type.RECOVERY_CODES: "mfa.recovery_codes_generated",
}
_REMOVED = {
    Authenticator.Type.TOTP: "mfa.totp_deactivated",
    Authenticator.Type.RECOVERY_CODES: "mfa.recovery_codes_removed",
}


def _mfa_change(*, action: str, user, request, **data) -> None:
    audit.record(actor=user, action=action, target=user, data={"ip": client_ip(request), **data})


@receiver(mfa_signals.authenticator_added)
def authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type in _ADDED:
        _mfa_change(action=_ADDED[authenticator.type], user=user, request=request)


@receiver(mfa_signals.authenticator_removed)
def authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type in _REMOVED:
        _mfa_change(action=_REMOVED[authenticator.type], user=user, request=request)


@receiver(mfa_signals.authenticator_reset)
def recovery_codes_regenerated(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        _mfa_change(action="mfa.recovery_codes_generated", user=user, request=request, regenerated=True)


@receiver(mfa_signals.authenticator_used)
def recovery_code_used(sender, request, user, authenticator, **kwargs) -> None:
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        # The code was marked used on a fresh copy of the row (allauth locks it): read that one.
        unused = len(Authenticator.objects.get(pk=authenticator.pk).wrap().get_unused_codes())
        _mfa_change(action="mfa.recovery_code_used", user=user, request=request, unused_left=unused)
