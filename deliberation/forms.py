from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.uploads import clean_image
from deliberation.actions import (
    ANSWER_REQUIRED,
    DESCRIPTION_REQUIRED,
    MAX_PHOTOS,
    TITLE_REQUIRED,
    TOO_MANY_PHOTOS,
)

PHOTO_ERROR = _("Photo %(number)s: %(message)s")
TITLE_TOO_LONG = _("Please keep the title within 80 characters; put the details in the description.")
DESCRIPTION_TOO_LONG = _("Please keep the description within 1000 characters.")


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to three photos, each checked and re-encoded by core.uploads.clean_image."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            uploads = [upload for upload in data if upload]
        else:
            uploads = [data] if data else []
        if len(uploads) > MAX_PHOTOS:
            raise ValidationError(TOO_MANY_PHOTOS, code="too_many")
        cleaned, errors = [], []
        for number, upload in enumerate(uploads, start=1):
            try:
                cleaned.append(clean_image(upload))
            except ValidationError as error:
                if len(uploads) > 1:
                    params = {"number": number, "message": error.messages[0]}
                    errors.append(ValidationError(PHOTO_ERROR, code=error.code, params=params))
                else:
                    errors.append(error)
        if errors:
            raise ValidationError(errors)
        return cleaned


class TopicForm(forms.Form):
    title = forms.CharField(
        label=_("What is the problem? (in a few words)"),
        max_length=80,
        error_messages={"required": TITLE_REQUIRED, "max_length": TITLE_TOO_LONG},
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. The mall does not let e-bikes into the car park")}
        ),
    )
    description = forms.CharField(
        label=_("Describe it"),
        max_length=1000,
        error_messages={"required": DESCRIPTION_REQUIRED, "max_length": DESCRIPTION_TOO_LONG},
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("Where, when, and how it gets in the way of your work.")}
        ),
    )
    photos = PhotosField(label=_("Photos (optional, up to 3)"), required=False)

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(TITLE_REQUIRED, code="required")
        return title

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].strip()
        if not description:
            raise ValidationError(DESCRIPTION_REQUIRED, code="required")
        return description


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Station name or street"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 西溪 or 翠苑"), "enterkeyhint": "search"}),
    )


class AcceptForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the worker (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer (everyone can read it)"),
        max_length=1000,
        error_messages={"required": ANSWER_REQUIRED},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_answer(self) -> str:
        answer = self.cleaned_data["answer"].strip()
        if not answer:
            raise ValidationError(ANSWER_REQUIRED, code="required")
        return answer
