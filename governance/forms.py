from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import Street
from core.uploads import clean_image
from governance import attributes
from governance.actions import MAX_PHOTOS, NO_LOCATION, NO_PHOTO, TOO_MANY_PHOTOS
from governance.selectors import active_categories

CHOOSE_CATEGORY = _("Please choose what kind of problem it is.")
BAD_LOCATION = _("The location could not be read. Please use your location again or choose the street.")
PHOTO_ERROR = _("Photo %(number)s: %(message)s")
ANSWER_NEEDED = _("Please answer this question.")


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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Each category's own questions (governance.attributes), one field each; only the chosen
        # category's are checked (clean), and the page shows them under that category.
        self.question_groups: list[tuple[object, list[str]]] = []
        self.question_fields: dict[str, tuple[int, dict]] = {}
        for category in active_categories().exclude(attributes=[]):
            names = []
            for question in attributes.ordered(category.attributes):
                if not question.get("variable", True):
                    continue
                name = f"attribute-{category.pk}-{question['code']}"
                self.fields[name] = question_field(question)
                self.question_fields[name] = (category.pk, question)
                names.append(name)
            if names:
                self.question_groups.append((category, names))

    def question_sections(self):
        """For the template: (category, its bound fields)."""
        return [(category, [self[name] for name in names]) for category, names in self.question_groups]

    def _clean_answers(self, category) -> dict:
        answers: dict = {}
        for name, (category_pk, question) in self.question_fields.items():
            if category is None or category_pk != category.pk or name in self.errors:
                continue
            value = self.cleaned_data.get(name)
            if value is None or value in ("", []):
                if question.get("required"):
                    self.add_error(name, ValidationError(ANSWER_NEEDED, code="required"))
                continue
            if question["datatype"] == "number":
                value = attributes.normalised_number(value, question["code"])
            elif question["datatype"] == "datetime":
                value = attributes.normalised_datetime(value, question["code"])
            answers[question["code"]] = value
        return answers

    def clean(self):
        cleaned = super().clean()
        cleaned["answers"] = self._clean_answers(cleaned.get("category"))
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


def question_field(question: dict) -> forms.Field:
    """The form field of one of a category's questions; its label is the question, in the portal's language."""
    common: dict[str, Any] = {"label": attributes.question_text(question), "required": False}
    help_text = attributes.open311_attribute(question)["datatype_description"]
    if help_text:
        common["help_text"] = help_text
    datatype = question["datatype"]
    if datatype == "singlevaluelist":
        return forms.ChoiceField(
            choices=attributes.value_choices(question), widget=forms.RadioSelect, **common
        )
    if datatype == "multivaluelist":
        return forms.MultipleChoiceField(
            choices=attributes.value_choices(question), widget=forms.CheckboxSelectMultiple, **common
        )
    if datatype == "number":
        return forms.DecimalField(max_digits=24, decimal_places=12, **common)
    if datatype == "datetime":
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if datatype == "text":
        return forms.CharField(
            max_length=attributes.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}), **common
        )
    return forms.CharField(max_length=attributes.MAX_STRING, **common)
