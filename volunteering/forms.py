import re
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Street
from volunteering.actions import (
    ADDRESS_REQUIRED,
    ENDS_BEFORE_START,
    NAME_REQUIRED,
    NOBODY_CHOSEN,
    REASON_REQUIRED,
    RecipientDetails,
)


def task_values(data: dict) -> dict:
    """The task_create arguments from the cleaned data of a task form (the lead's page or admin)."""
    return {
        "date": data["date"],
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "street": data["street"],
        "area": data["area"],
        "what": data["what"],
        "volunteers_needed": data["volunteers_needed"],
        "description": data["description"],
        "recipient": RecipientDetails(
            name=data["recipient_name"],
            address=data["recipient_address"],
            phone=data["recipient_phone"],
            notes=data["recipient_notes"],
        ),
    }


DATE_REQUIRED = _("Please choose the day of the task.")
DATE_PAST = _("The day of the task cannot be in the past.")
TIME_REQUIRED = _("Please enter the time, e.g. 11:00.")
STREET_REQUIRED = _("Please choose the street.")
AREA_REQUIRED = _("Please say where volunteers go, e.g. the community.")
WHAT_REQUIRED = _("Please say what is delivered, e.g. 午餐送餐.")
NEEDED_RANGE = _("Please enter a number of volunteers from 1 to 20.")
PHONE_INVALID = _("Please enter a phone number of digits only, e.g. 13800000000 or 0571-88000000.")

PHONE_PATTERN = re.compile(r"^[0-9][0-9\- ]{6,18}[0-9]$")
MAX_VOLUNTEERS = 20


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class TaskForm(forms.Form):
    what = forms.CharField(
        label=_("What to deliver"),
        max_length=80,
        initial="午餐送餐",
        error_messages={"required": WHAT_REQUIRED},
    )
    date = forms.DateField(
        label=_("Day"),
        widget=DateInput,
        error_messages={"required": DATE_REQUIRED, "invalid": DATE_REQUIRED},
    )
    starts_at = forms.TimeField(
        label=_("From"),
        widget=TimeInput(format="%H:%M"),
        error_messages={"required": TIME_REQUIRED, "invalid": TIME_REQUIRED},
    )
    ends_at = forms.TimeField(
        label=_("Until"),
        widget=TimeInput(format="%H:%M"),
        error_messages={"required": TIME_REQUIRED, "invalid": TIME_REQUIRED},
    )
    street = forms.ChoiceField(
        label=_("Street"),
        choices=[("", "—"), *Street.choices],
        error_messages={"required": STREET_REQUIRED, "invalid_choice": STREET_REQUIRED},
    )
    area = forms.CharField(
        label=_("Area"),
        max_length=120,
        help_text=_("Visible to all members, e.g. 翠苑一区. The exact address goes below."),
        error_messages={"required": AREA_REQUIRED},
    )
    volunteers_needed = forms.IntegerField(
        label=_("Volunteers needed"),
        initial=1,
        min_value=1,
        max_value=MAX_VOLUNTEERS,
        error_messages={
            "required": NEEDED_RANGE,
            "invalid": NEEDED_RANGE,
            "min_value": NEEDED_RANGE,
            "max_value": NEEDED_RANGE,
        },
    )
    description = forms.CharField(
        label=_("What volunteers should know"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    recipient_name = forms.CharField(
        label=_("Name of the elderly person"), max_length=40, error_messages={"required": NAME_REQUIRED}
    )
    recipient_address = forms.CharField(
        label=_("Delivery address"), max_length=200, error_messages={"required": ADDRESS_REQUIRED}
    )
    recipient_phone = forms.CharField(label=_("Phone of the elderly person"), max_length=20, required=False)
    recipient_notes = forms.CharField(
        label=_("Notes for the volunteer"),
        max_length=300,
        required=False,
        help_text=_("e.g. 腿脚不便请送上楼"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day < timezone.localdate():
            raise ValidationError(DATE_PAST, code="past")
        return day

    def clean_recipient_phone(self):
        phone = self.cleaned_data["recipient_phone"].strip()
        if phone and not PHONE_PATTERN.match(phone):
            raise ValidationError(PHONE_INVALID, code="invalid")
        return phone

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", ValidationError(ENDS_BEFORE_START, code="order"))
        return data


class ConfirmForm(forms.Form):
    volunteers = forms.TypedMultipleChoiceField(
        label=_("Who did the task?"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": NOBODY_CHOSEN, "invalid_choice": NOBODY_CHOSEN},
    )

    def __init__(self, *args, signups=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds plain Fields for mypy; the cast names this one's declared class.
        cast(forms.TypedMultipleChoiceField, self.fields["volunteers"]).choices = [
            (signup.volunteer_id, signup.volunteer.real_name or signup.volunteer.phone) for signup in signups
        ]
        self.fields["volunteers"].initial = [signup.volunteer_id for signup in signups]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the task cancelled?"),
        max_length=200,
        error_messages={"required": REASON_REQUIRED},
    )
