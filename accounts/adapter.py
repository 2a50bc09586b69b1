"""django-allauth wired to our User: phone numbers are the login, SMS goes through the outbox."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import sms_budget, sms_codes
from accounts.staff_auth import StaffLoginThrottleMixin
from core.phone import INVALID_MOBILE, normalize_mobile


class MainlandPhoneField(forms.CharField):
    """Accepts 13800000001, 138 0000 0001, +86 138-0000-0001; cleans to +8613800000001."""

    default_error_messages = {"invalid": INVALID_MOBILE}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "type": "tel",
                    "autocomplete": "tel",
                    "inputmode": "tel",
                    "placeholder": "138 0000 0001",
                }
            ),
        )
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalize_mobile(value) if value else value


def user_display(user) -> str:
    """The real name, else the mobile number as 138 0000 0001 (never a placeholder in English)."""
    return user.get_full_name()


class AccountAdapter(StaffLoginThrottleMixin, DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "incorrect_code": _("The code is not right: please check the 6 digits in the SMS."),
        "too_many_login_attempts": _("Too many attempts. Please try again in a few minutes."),
        "rate_limited": _(
            "No new code was sent: codes are limited per number and per network. Please wait a few minutes."
        ),
        "phone_taken": _("This mobile number is already registered: please log in with an SMS code."),
        "unknown_phone": _("This mobile number is not registered yet: please sign up first."),
    }

    def phone_form_field(self, **kwargs):
        kwargs.pop("validators", None)
        kwargs["label"] = _("Mobile number")
        return MainlandPhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalize_mobile(phone)

    def save_user(self, request, user, form, commit=True):
        # The phone number is the User's natural key: set it before the first save.
        phone = form.cleaned_data.get("phone")
        if phone:
            user.phone = phone
        return super().save_user(request, user, form, commit=commit)

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        if user.pk:
            user.save(update_fields=["phone", "phone_verified"])
        else:
            user.save()

    def get_phone(self, user):
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user, phone: str) -> None:
        user.phone = phone
        user.phone_verified = True
        user.save(update_fields=["phone", "phone_verified"])

    def get_user_by_phone(self, phone: str):
        from accounts.selectors import user_by_phone

        return user_by_phone(phone=phone)

    def generate_phone_verification_code(self, *, user, phone: str) -> str:
        # Refused before allauth replaces the pending code, so a refused resend keeps the last one good.
        sms_budget.reserve(context.request, phone=phone)
        # What allauth keeps in the session is a token with the code's keyed hash, never the code.
        return sms_codes.issue(phone=phone)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        from notifications.actions import sms_code_send

        sms_budget.reserve(context.request, phone=phone)  # every path, resend included, spends here
        sms_budget.charge_district()
        sms_code_send(user=user, phone=phone, code=sms_codes.take_code(code))

    def send_account_already_exists_sms(self, phone: str) -> None:
        # Sign-up with a registered number looks exactly like a fresh sign-up; the owner is told by SMS.
        from notifications.actions import sms_account_exists_send

        user = self.get_user_by_phone(phone)
        if user is None:
            return
        sms_budget.reserve(context.request, phone=phone)
        sms_budget.charge_district()
        sms_account_exists_send(user=user, phone=phone)

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        # Login by code for an unregistered number: no SMS (it would cost and could pester a stranger);
        # the budget was spent by the form all the same, so the answer is the same as for a member.
        return None
