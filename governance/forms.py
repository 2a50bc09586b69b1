from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import Street
from core.uploads import clean_image
from governance.actions import MAX_PHOTOS, NO_LOCATION, NO_PHOTO, TOO_MANY_PHOTOS
from governance.selectors import active_categories

CHOOSE_CATEGORY = _("Please choose what kind of problem it is.")
BAD_LOCATION = _("The location could not be read. Please use your location again or choose the street.")
PHOTO_ERROR = _("Photo %(number)s: %(message)s")


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return format_html('<span class="cat-icon" aria-hidden="true">{}</span> {}', obj.icon, obj.name)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """One to three photos, each checked and re-encoded by core.uploads.clean_image."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = [upload for upload in (data or []) if upload] if isinstance(data, list | tuple) else []
        if data and not isinstance(data, list | tuple):
            uploads = [data]
        if not uploads:
            raise ValidationError(NO_PHOTO, code="required")
        if len(uploads) > MAX_PHOTOS:
            raise ValidationError(TOO_MANY_PHOTOS, code="too_many")
        cleaned, errors = [], []
        for number, upload in enumerate(uploads, start=1):
            try:
                cleaned.append(clean_image(upload))
            except ValidationError as error:
                message = error.messages[0]
                errors.append(
                    ValidationError(
                        PHOTO_ERROR, code=error.code, params={"number": number, "message": message}
                    )
                    if len(uploads) > 1
                    else error
                )
        if errors:
            raise ValidationError(errors)
        return cleaned


class ReportForm(forms.Form):
    category = CategoryChoiceField(
        label=_("What is the problem?"),
        queryset=active_categories(),
        widget=forms.RadioSelect(attrs={"class": "cat-choice"}),
        empty_label=None,
        error_messages={"required": CHOOSE_CATEGORY, "invalid_choice": CHOOSE_CATEGORY},
    )
    photos = PhotosField(label=_("Photos (1 to 3)"), required=True)
    lat = forms.DecimalField(
        required=False, min_value=-90, max_value=90, max_digits=12, decimal_places=9, widget=forms.HiddenInput
    )
    lng = forms.DecimalField(
        required=False,
        min_value=-180,
        max_value=180,
        max_digits=13,
        decimal_places=9,
        widget=forms.HiddenInput,
    )
    street = forms.ChoiceField(
        label=_("Or choose the street"),
        required=False,
        choices=[("", _("— use my location —")), *Street.choices],
    )
    address = forms.CharField(
        label=_("Where exactly (optional)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. east gate of the Xixi Longhu Tianjie mall")}),
    )
    description = forms.CharField(
        label=_("What did you see (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    client_uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if "lat" in self.errors or "lng" in self.errors:
            self.errors.pop("lat", None)
            self.errors.pop("lng", None)
            self.add_error("street", ValidationError(BAD_LOCATION, code="bad_location"))
            return cleaned
        lat, lng = cleaned.get("lat"), cleaned.get("lng")
        if (lat is None) != (lng is None):
            cleaned["lat"] = cleaned["lng"] = None
            lat = None
        if lat is not None:
            cleaned["lat"] = round(lat, 6)
            cleaned["lng"] = round(cleaned["lng"], 6)
        if lat is None and not cleaned.get("street"):
            self.add_error("street", ValidationError(NO_LOCATION, code="no_location"))
        return cleaned


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=_("What is wrong again?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
