from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from academy import selectors
from academy.models import Level
from core.templatetags.portal import yuan
from core.uploads import clean_image_or_pdf

CHOOSE_PROGRAMME = _("Please choose a programme and intake.")
CONFIRM_REQUIRED = _("Please tick the box to confirm that your information is true.")


class ProgrammeFilterForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("All levels")), *Level.choices], required=False
    )
    major = forms.ChoiceField(label=_("Major"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds plain Fields for mypy; the cast names this one's declared class.
        cast(forms.ChoiceField, self.fields["major"]).choices = [("", _("All majors"))] + [
            (major, major) for major in selectors.majors()
        ]


class OfferingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, offering) -> str:
        programme = offering.programme
        return f"{programme} · {offering.intake.name} · {programme.university.short_name} · {yuan(programme.tuition)}"


class ChooseOfferingForm(forms.Form):
    offering = OfferingChoiceField(
        label=_("Programme and intake"),
        queryset=selectors.open_offerings(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": CHOOSE_PROGRAMME, "invalid_choice": CHOOSE_PROGRAMME},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(OfferingChoiceField, self.fields["offering"]).queryset = selectors.open_offerings()


class CertificateForm(forms.Form):
    certificate = forms.FileField(
        label=_("Prior-education certificate"),
        help_text=_("A photo (JPEG, PNG or WebP) or a PDF of your diploma, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
        error_messages={"required": _("Please choose a photo or PDF of your certificate.")},
    )

    def clean_certificate(self):
        return clean_image_or_pdf(self.cleaned_data["certificate"])


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm that the information in my profile and this application is true and complete."),
        error_messages={"required": CONFIRM_REQUIRED},
    )
    share_id_with_university = forms.BooleanField(
        label=_(
            "I agree that the university receives my full ID number to register me as a student "
            "(optional; otherwise it sees it masked and asks you for it)."
        ),
        required=False,
    )
