"""The messages accounts sends (see notifications.messages)."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import Kind, register

register(
    # Only the demo seed sends it so far (accounts/demo.py).
    Kind(
        "welcome",
        _("Welcome to the Courier Academy"),
        _(
            "Your profile is complete. You can browse programmes, apply for a tuition subsidy, "
            "or find service points near you."
        ),
    ),
)
