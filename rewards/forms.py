from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from rewards.models import RewardStock
from stations.models import Station

CHOOSE_STATION = _("Please choose the station where you will collect it.")
ENTER_CODE = _("Please enter the voucher code the worker shows you.")
CHOOSE_YOUR_STATION = _("Please choose your station.")
BAD_CHOICE = _("Please choose one of the options.")


def _stock_label(stock: RewardStock) -> str:
    if stock.quantity > 0:
        return str(_("%(station)s (%(count)s left)")) % {
            "station": stock.station.name,
            "count": stock.quantity,
        }
    return str(_("%(station)s (out of stock)")) % {"station": stock.station.name}


class RedeemForm(forms.Form):
    """The station where the worker will collect the reward."""

    station = forms.TypedChoiceField(
        label=_("Collect at"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_STATION, "invalid_choice": CHOOSE_STATION},
    )

    def __init__(self, *args, stocks: list[RewardStock], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stations = {stock.station_id: stock.station for stock in stocks}
        # self.fields holds plain Fields for mypy; the cast names this one's declared class.
        cast(forms.TypedChoiceField, self.fields["station"]).choices = [
            (stock.station_id, _stock_label(stock)) for stock in stocks
        ]
        in_stock = [stock.station_id for stock in stocks if stock.quantity > 0]
        if len(in_stock) == 1 and not self.is_bound:
            self.initial.setdefault("station", in_stock[0])

    def chosen_station(self) -> Station:
        return self.stations[self.cleaned_data["station"]]


class HandoverForm(forms.Form):
    """Station staff type (or scan) the worker's voucher code."""

    station = forms.TypedChoiceField(
        label=_("Your station"),
        coerce=int,
        error_messages={"required": CHOOSE_YOUR_STATION, "invalid_choice": CHOOSE_YOUR_STATION},
    )
    code = forms.CharField(
        label=_("Voucher code"),
        max_length=20,
        error_messages={"required": ENTER_CODE},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "code-input",
            }
        ),
    )

    def __init__(self, *args, stations: list[Station], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stations = {station.pk: station for station in stations}
        cast(forms.TypedChoiceField, self.fields["station"]).choices = [
            (station.pk, station.name) for station in stations
        ]
        if len(stations) == 1:
            self.initial.setdefault("station", stations[0].pk)

    def chosen_station(self) -> Station:
        return self.stations[self.cleaned_data["station"]]


class OptInForm(forms.Form):
    opted_in = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")],
        coerce=lambda value: value == "1",
        error_messages={"required": BAD_CHOICE, "invalid_choice": BAD_CHOICE},
    )
