import re

from django import forms
from django.utils.translation import gettext_lazy as _

from core.validation import normalize_typed
from events.models import Event
from stations.models import Station

CODE_FORMAT = _("Please enter the 6-digit code shown at the venue.")
_SPACES = re.compile(r"[\s\-]")


class EventFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Event.Kind.choices]
    )
    station = forms.ModelChoiceField(
        label=_("Station"),
        required=False,
        queryset=Station.objects.filter(is_active=True),
        empty_label=_("All stations"),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=50)

    def filters(self) -> dict:
        """The valid filters only: a bad value in one field does not empty the list."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "kind": data.get("kind") or "",
            "station": data.get("station"),
            "search": (data.get("q") or "").strip(),
        }


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=20,
        error_messages={"required": CODE_FORMAT},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "maxlength": "6",
                "class": "checkin-code-input",
            }
        ),
    )

    def clean_code(self) -> str:
        code = _SPACES.sub("", self.cleaned_data["code"])
        # Digits as typed on a keyboard or by a Chinese input method (full-width ０１２３４５, which NFKC
        # makes ASCII); other digit forms (①, ١) are not what the venue screen shows.
        if not re.fullmatch(r"[0-9０-９]{6}", code):
            raise forms.ValidationError(CODE_FORMAT)
        return normalize_typed(code)
