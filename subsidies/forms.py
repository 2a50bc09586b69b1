from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import clean_image_or_pdf
from subsidies.actions import REASON_REQUIRED

DOCUMENT_HELP = _("A photo (JPEG, PNG or WebP) or a PDF, up to 10 MB.")
DOCUMENT_REQUIRED = _("Please choose a photo or PDF of this document.")
CONFIRM_REQUIRED = _("Please tick the box to confirm that your information is true.")
ACCEPT = {"accept": "image/jpeg,image/png,image/webp,application/pdf"}


class DocumentsForm(forms.Form):
    employment_proof = forms.FileField(
        label=_("Proof of employment"),
        help_text=_(
            "A contract, a platform certificate or a screenshot of your rider/courier account, with your name."
        ),
        required=False,
        widget=forms.ClearableFileInput(attrs=ACCEPT),
    )
    union_proof = forms.FileField(
        label=_("Trade-union membership proof"),
        help_text=DOCUMENT_HELP,
        required=False,
        widget=forms.ClearableFileInput(attrs=ACCEPT),
    )

    def __init__(self, *args, needed: list[str], on_file: set[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in needed:
                del self.fields[name]
        self.missing = [name for name in needed if name not in on_file]

    def clean(self):
        cleaned = super().clean()
        for name in self.fields:
            upload = cleaned.get(name)
            if upload:
                try:
                    cleaned[name] = clean_image_or_pdf(upload)
                except forms.ValidationError as error:
                    self.add_error(name, error)
            elif name in self.missing and name not in self.errors:
                self.add_error(name, forms.ValidationError(DOCUMENT_REQUIRED, code="required"))
        return cleaned


class SubmitForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I confirm that my information and documents are true, and I will repay the subsidy if they are not."
        ),
        error_messages={"required": CONFIRM_REQUIRED},
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should the decision be changed?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": REASON_REQUIRED},
    )


class PaymentForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=60)
    paid_on = forms.DateField(label=_("Payment date"), widget=forms.DateInput(attrs={"type": "date"}))


class CreditsForm(forms.Form):
    study_year = forms.IntegerField(label=_("Study year"), min_value=1, max_value=6)
    credits = forms.DecimalField(label=_("Credits earned"), min_value=0, max_value=200, decimal_places=1)
