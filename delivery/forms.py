from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.uploads import CleanFile, clean_image
from delivery.models import Building, Correction, Gate, Site

QUERY_REQUIRED = _("Type a compound, park or address, e.g. 紫金港 3幢2单元.")
NO_LOCATION = _(
    "Please let the page use your location (tap “Use my location”): a correction is checked against "
    "where you stand."
)
PHOTO_REQUIRED = _("Please take or choose a photo of what you saw.")
TEXT_REQUIRED = _("Please say in a few words what you saw.")


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Compound, park or address"), max_length=100, required=False)


class NearForm(forms.Form):
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)


class PhotoField(forms.FileField):
    def clean(self, data, initial=None) -> CleanFile | None:
        upload = super().clean(data, initial)
        if not upload:
            return None
        # Decoded and re-encoded here (EXIF gone), so a file that is not a photo is refused by the field.
        return clean_image(upload)


class CorrectionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is wrong?"), choices=Correction.Kind.choices, widget=forms.RadioSelect
    )
    gate = forms.ModelChoiceField(label=_("Which gate?"), queryset=Gate.objects.none(), required=False)
    building = forms.ModelChoiceField(
        label=_("Which building?"), queryset=Building.objects.none(), required=False
    )
    building_number = forms.CharField(label=_("The right building number"), max_length=20, required=False)
    text = forms.CharField(
        label=_("What you saw"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the north gate is locked after 22:00; e-bikes park at the east wall."),
        error_messages={"required": TEXT_REQUIRED},
    )
    photo = PhotoField(
        label=_("Photo"),
        error_messages={"required": PHOTO_REQUIRED},
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        ),
    )
    lat = forms.FloatField(min_value=-90, max_value=90, widget=forms.HiddenInput, required=False)
    lng = forms.FloatField(min_value=-180, max_value=180, widget=forms.HiddenInput, required=False)

    def __init__(self, *args, site: Site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.site = site
        gate_field = self.fields["gate"]
        building_field = self.fields["building"]
        assert isinstance(gate_field, forms.ModelChoiceField)
        assert isinstance(building_field, forms.ModelChoiceField)
        gate_field.queryset = Gate.objects.filter(site=site, is_active=True)
        building_field.queryset = Building.objects.filter(site=site, is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("lat") is None or data.get("lng") is None:
            self.add_error(None, ValidationError(NO_LOCATION, code="no_location"))
        return data


SCORE_REQUIRED = _("Choose from 1 to 5 for each question.")


def _score(label) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
        error_messages={"required": SCORE_REQUIRED, "invalid_choice": SCORE_REQUIRED},
    )


class RatingForm(forms.Form):
    entering = _score(_("Getting in (1 hard – 5 easy)"))
    parking = _score(_("Parking"))
    finding = _score(_("Finding the building"))
    lifts = _score(_("Getting upstairs"))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("accept", pgettext_lazy("map correction", "Accept")),
            ("reject", pgettext_lazy("map correction", "Reject")),
        ]
    )
    reason = forms.CharField(label=_("Reason (the rider reads it)"), max_length=500, required=False)
