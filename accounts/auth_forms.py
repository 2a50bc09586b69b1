"""allauth's sign-up, login-by-code and code forms, with the SMS budget and hashed codes.

Wired through ACCOUNT_FORMS; the views stay allauth's own.
"""

from typing import Any

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.phone_verification import phone_already_exists
from allauth.core import context
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import sms_budget, sms_codes

CODE_EXPIRED = _("This code has expired (codes are valid for 5 minutes). Please ask for a new one.")
CODE_USED = _("This code has already been used. Please ask for a new one.")


def _reserve_budget(form, phone: str) -> bool:
    try:
        sms_budget.reserve(context.request, phone=phone)
    except sms_budget.SmsBudgetSpent as spent:
        form.add_error("phone", ValidationError(spent.message, code="sms_budget_spent"))
        return False
    return True


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    def clean_phone(self) -> str:
        # The budget first, for every number: a registered and an unregistered one are counted
        # and refused alike (ACCOUNT_PREVENT_ENUMERATION keeps the rest of the answer the same).
        phone = self.cleaned_data["phone"]
        if phone:
            try:
                sms_budget.reserve(context.request, phone=phone)
            except sms_budget.SmsBudgetSpent as spent:
                raise ValidationError(spent.message, code="sms_budget_spent") from None
        return super().clean_phone()


class SignupForm(allauth_forms.SignupForm):
    def _clean_phone(self) -> None:
        phone = self.cleaned_data.get("phone")
        if phone and not _reserve_budget(self, phone):
            return
        super()._clean_phone()


CODE_WIDGET_ATTRS = {
    # The number pad, and the code from the SMS offered above the keyboard.
    "inputmode": "numeric",
    "autocomplete": "one-time-code",
    "pattern": "[0-9]*",
    "maxlength": "6",
}


class _HashedCodeMixin:
    """The expected "code" allauth hands over is an accounts.sms_codes token."""

    expected_code: str
    phone: str | None = None
    cleaned_data: dict[str, Any]  # the form's, which this mixin always goes with
    fields: dict[str, Any]

    def _phone_code_widget(self) -> None:
        widget = self.fields["code"].widget
        widget.attrs.pop("placeholder", None)  # the label says it already
        widget.attrs.update(CODE_WIDGET_ATTRS)

    def _check_code(self) -> str:
        code = self.cleaned_data["code"]
        result = sms_codes.check(token=self.expected_code, code=code, phone=self.phone)
        if result is sms_codes.Check.EXPIRED:
            raise ValidationError(CODE_EXPIRED, code="code_expired")
        if result is sms_codes.Check.USED:
            raise ValidationError(CODE_USED, code="code_used")
        if result is not sms_codes.Check.RIGHT:
            raise get_adapter().validation_error("incorrect_code")
        return sms_codes.normalize_code(code)

    def _spend_code(self) -> None:
        if not sms_codes.mark_used(self.expected_code):  # two requests raced with the same code
            raise ValidationError(CODE_USED, code="code_used")


class ConfirmLoginCodeForm(_HashedCodeMixin, allauth_forms.ConfirmLoginCodeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # allauth's confirm view has put the pending login stage on the request.
        stage = getattr(context.request, "_login_stage", None)
        self.phone = stage.state.get("phone") if stage is not None else None
        self._phone_code_widget()

    def clean_code(self) -> str:
        code = self._check_code()
        self._spend_code()
        return code


class VerifyPhoneForm(_HashedCodeMixin, allauth_forms.VerifyPhoneForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._phone_code_widget()

    def clean_code(self) -> str:
        code = self._check_code()
        # A right code, but can the number still be taken? (Another sign-up may have won the race.)
        phone_already_exists(self.user, self.phone, always_raise=True)
        self._spend_code()
        return code
