from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import clean_image
from voice.actions import NOTE_REQUIRED, TEXT_REQUIRED
from voice.audio import clean_audio
from voice.models import HelpDeed, Opinion

CHOOSE_KIND = _("Please choose what kind of help you gave.")
BAD_LOCATION = _("The location could not be read. Please use your location again, or leave it out.")


class _LocatedForm(forms.Form):
    """An optional location: both coordinates or neither; an unreadable one is refused, not guessed."""

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
    address = forms.CharField(label=_("Where (optional)"), required=False, max_length=200)
    client_uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if "lat" in self.errors or "lng" in self.errors:
            self.errors.pop("lat", None)
            self.errors.pop("lng", None)
            self.add_error("address", BAD_LOCATION)
            return cleaned
        lat, lng = cleaned.get("lat"), cleaned.get("lng")
        if lat is None or lng is None:
            cleaned["lat"] = cleaned["lng"] = None
        else:
            cleaned["lat"], cleaned["lng"] = round(lat, 6), round(lng, 6)
        return cleaned


class DeedForm(_LocatedForm):
    kind = forms.ChoiceField(
        label=_("What help did you give?"),
        choices=HelpDeed.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_KIND, "invalid_choice": CHOOSE_KIND},
    )
    note = forms.CharField(
        label=_("What happened"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": NOTE_REQUIRED},
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        ),
    )
    field_order = ("kind", "note", "photo", "address")

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError(NOTE_REQUIRED, code="required")
        return note

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        return clean_image(upload, make_thumbnail=False) if upload else None


class OpinionForm(_LocatedForm):
    audio = forms.FileField(
        label=_("Recording (up to 60 seconds)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "audio/*", "class": "voice-file"}),
    )
    text = forms.CharField(
        label=_("Or type what residents or riders said"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    topic = forms.ChoiceField(
        label=_("Topic (optional)"), required=False, choices=[("", _("— no topic —")), *Opinion.Topic.choices]
    )
    field_order = ("audio", "text", "topic", "address")

    def clean_audio(self):
        upload = self.cleaned_data.get("audio")
        return clean_audio(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("text")
            and cleaned.get("audio") is None
            and not {"audio", "text"} & self.errors.keys()
        ):
            self.add_error("text", forms.ValidationError(TEXT_REQUIRED, code="required"))
        return cleaned


class DoneForm(forms.Form):
    note = forms.CharField(
        label=_("What did you do?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": NOTE_REQUIRED},
    )
