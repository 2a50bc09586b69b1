"""The messages the delivery map sends riders about their corrections (see notifications.messages)."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import Kind, register

register(
    Kind(
        "delivery_correction_accepted",
        _("Your map correction was accepted"),
        _("Your correction of %(site)s was accepted and the map is updated. Thank you."),
        example={"site": "紫金港花园"},
    ),
    Kind(
        "delivery_correction_rejected",
        _("Your map correction was not accepted"),
        _("Your correction of %(site)s was not accepted: %(reason)s"),
        example={"site": "紫金港花园", "reason": "北门已重新开放。"},
    ),
)
