"""The messages rewards send about vouchers (see notifications.messages)."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import Kind, register

register(
    Kind(
        "voucher_expired",
        _("Voucher expired, points returned"),
        _(
            "Your voucher %(code)s for %(reward)s at %(station)s was not collected in time. "
            "The %(points)s points are back in your account."
        ),
        example={"code": "2345 6789", "reward": "保温杯", "station": "湖滨驿站", "points": 200},
    ),
)
