from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Street
from core.uploads import CleanFile, clean_image
from services.actions import MAX_PHOTOS, TOO_MANY_PHOTOS
from services.models import Amenity, ServiceRequest

DESCRIPTION_REQUIRED = _("Please tell us in a few words what happened and what help you need.")
DESCRIPTION_TOO_SHORT = _("Please write at least 10 characters so that service staff can understand.")
RATING_REQUIRED = _("Choose from 1 to 5 stars.")
RADIUS_CHOICES = [(1, _("1 km")), (3, _("3 km")), (5, _("5 km")), (10, _("10 km")), (30, _("30 km"))]
DEFAULT_RADIUS = 5


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultiplePhotoInput

    def clean(self, data, initial=None) -> list[CleanFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(TOO_MANY_PHOTOS, code="too_many_photos")
        # Each photo is decoded and re-encoded here, once, so a bad one is refused next to the field.
        return [clean_image(upload, make_thumbnail=False) for upload in files]


class ServiceRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you need?"), choices=ServiceRequest.Kind.choices, widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For example: my employer has not paid my wages for two months."),
        error_messages={"required": DESCRIPTION_REQUIRED},
    )
    contact_time = forms.ChoiceField(
        label=_("When may we call you?"),
        choices=ServiceRequest.ContactTime.choices,
        initial=ServiceRequest.ContactTime.ANY,
        widget=forms.RadioSelect,
    )
    photos = MultiplePhotoField(
        label=_("Photos (optional)"),
        required=False,
        help_text=_("Up to 3 photos, for example of a contract or a pay slip."),
        widget=MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if len(text) < 10:
            raise ValidationError(DESCRIPTION_TOO_SHORT, code="too_short")
        return text


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How helpful was it?"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        error_messages={"required": RATING_REQUIRED, "invalid_choice": RATING_REQUIRED},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class NearMeForm(forms.Form):
    """Where the worker is: coordinates from the browser, or a street chosen by hand."""

    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    street = forms.ChoiceField(
        label=_("Or choose your street"),
        required=False,
        choices=[
            ("", _("— choose —")),
            *[(v, label) for v, label in Street.choices if v != Street.ELSEWHERE],
        ],
    )
    amenity = forms.ChoiceField(
        label=_("Must have"), required=False, choices=[("", _("Anything")), *Amenity.choices]
    )
    open = forms.BooleanField(label=_("Open now only"), required=False)
    radius = forms.TypedChoiceField(
        label=_("Within"),
        required=False,
        coerce=int,
        choices=RADIUS_CHOICES,
        # Django takes any value here; django-stubs types it str | None.
        empty_value=DEFAULT_RADIUS,  # type: ignore[arg-type]
    )
