"""django-allauth wired to our User: phone numbers are the login, SMS goes through the outbox."""

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.phone import INVALID_MOBILE, normalize_mobile
from accounts.staff_auth import StaffLoginThrottleMixin


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


class AccountAdapter(StaffLoginThrottleMixin, DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "incorrect_code": _("The code is not right: please check the 6 digits in the SMS."),
        "too_many_login_attempts": _("Too many attempts. Please try again in a few minutes."),
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

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        from notifications.actions import sms_code_send

        sms_code_send(user=user, phone=phone, code=code)
