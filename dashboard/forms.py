"""The dashboard's filter: a period of months, a street, an occupation (GET parameters)."""

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Occupation, Street
from dashboard.selectors import LONGEST_PERIOD_MONTHS, Filters, add_months, first_of_month

BAD_MONTH = _("Enter a month as YYYY-MM, for example 2026-03.")
PERIOD_BACKWARDS = _("The period must not end before it starts.")
PERIOD_TOO_LONG = _("Choose a period of at most 60 months (five years).")
UNKNOWN_STREET = _("There is no such street. Choose one from the list.")
UNKNOWN_OCCUPATION = _("There is no such occupation. Choose one from the list.")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=7, error_messages={"max_length": BAD_MONTH}, **kwargs)
        self.widget.input_type = "month"

    def clean(self, value):
        value = super().clean(value).strip()
        if not value:
            return None
        match = MONTH.match(value)
        if not match:
            raise forms.ValidationError(BAD_MONTH, code="bad_month")
        year, month = int(match[1]), int(match[2])
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise forms.ValidationError(BAD_MONTH, code="bad_month")
        return dt.date(year, month, 1)


class FilterForm(forms.Form):
    start = MonthField(label=_("From month"))
    end = MonthField(label=_("To month"))
    street = forms.ChoiceField(
        label=_("Street"),
        required=False,
        choices=[("", _("Whole district")), *list(Street.choices)],
        error_messages={"invalid_choice": UNKNOWN_STREET},
    )
    occupation = forms.ChoiceField(
        label=_("Occupation"),
        required=False,
        choices=[("", _("Every occupation")), *list(Occupation.choices)],
        error_messages={"invalid_choice": UNKNOWN_OCCUPATION},
    )

    def __init__(self, data, *, today: dt.date | None = None):
        super().__init__(data)
        self.today = today

    def clean(self):
        data = super().clean()
        default = Filters.default(today=self.today)
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        end = end or (default.end if start is None or start <= default.end else first_of_month(start))
        start = start or add_months(end, -11)
        if end < start:
            raise forms.ValidationError(PERIOD_BACKWARDS, code="backwards")
        if add_months(start, LONGEST_PERIOD_MONTHS) <= end:
            raise forms.ValidationError(PERIOD_TOO_LONG, code="too_long")
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            start=data["start"], end=data["end"], street=data["street"], occupation=data["occupation"]
        )
