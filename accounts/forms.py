from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import idcard
from accounts.actions import CONSENT_REQUIRED
from accounts.models import Education, Occupation, Street
from accounts.selectors import has_sensitive_data_consent

REAL_NAME_LENGTH = _("Please enter your real name as on your ID card (2 to 30 characters).")
MONTHS_RANGE = _("Please enter how many months you have worked in the trade: a whole number from 0 to 720.")


class WorkerProfileForm(forms.Form):
    real_name = forms.CharField(
        label=_("Real name"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    occupation = forms.ChoiceField(
        label=_("Occupation"), choices=Occupation.choices, widget=forms.RadioSelect
    )
    platform = forms.CharField(
        label=_("Platform or employer"),
        max_length=80,
        help_text=_("For example: Meituan, Ele.me, SF Express, Didi"),
    )
    street = forms.ChoiceField(
        label=_("Street where you mostly work"), choices=[("", "---------"), *Street.choices]
    )
    months_in_trade = forms.IntegerField(
        label=_("Months in the trade"),
        min_value=0,
        max_value=720,
        error_messages={"invalid": MONTHS_RANGE, "min_value": MONTHS_RANGE, "max_value": MONTHS_RANGE},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    education = forms.ChoiceField(
        label=_("Highest education"), choices=[("", "---------"), *Education.choices]
    )
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=22,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    sensitive_data_consent = forms.BooleanField(label="", required=False)

    def __init__(self, *args, user, has_id_number: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.has_id_number = has_id_number
        self.fields["id_number"].required = not has_id_number
        self.fields["sensitive_data_consent"].label = _(
            "I agree that the district stores and uses my ID number to check my eligibility "
            "(privacy notice, version %(version)s)."
        ) % {"version": settings.SENSITIVE_DATA_NOTICE_VERSION}
        if has_id_number:
            self.fields["id_number"].help_text = _("Leave empty to keep the number on file.")

    def clean_real_name(self) -> str:
        name = " ".join(self.cleaned_data["real_name"].split())
        if not 2 <= len(name) <= 30:
            raise ValidationError(REAL_NAME_LENGTH, code="real_name")
        return name

    def clean_platform(self) -> str:
        return self.cleaned_data["platform"].strip()

    def clean_id_number(self) -> str:
        raw = self.cleaned_data["id_number"]
        if not raw.strip():
            return ""
        # Whether another account holds it is the action's to say (rate-limited and audited).
        return idcard.normalize_id_number(raw)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("id_number")
            and not cleaned.get("sensitive_data_consent")
            and not has_sensitive_data_consent(
                user=self.user, notice_version=settings.SENSITIVE_DATA_NOTICE_VERSION
            )
        ):
            self.add_error(
                "sensitive_data_consent", ValidationError(CONSENT_REQUIRED, code="consent_required")
            )
        return cleaned
