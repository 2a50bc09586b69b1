"""The messages the services app sends the worker who asked for help (see notifications.messages)."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import Kind, register

# The body of a closing message when staff wrote no reply.
CLOSED_THANKS = _("Thank you. If you need help again, ask us any time.")

register(
    Kind(
        "service_request_received",
        _("We received your request %(ref)s"),
        _("Service staff will take it on within two working days and contact you at the time you chose."),
        example={"ref": "FW000001"},
    ),
    Kind(
        "service_request_assigned",
        _("Your request %(ref)s has been taken on"),
        _("A member of the service staff is handling it and will contact you at the time you chose."),
        example={"ref": "FW000001"},
    ),
    Kind(
        "service_request_in_progress",
        _("Your request %(ref)s is being handled"),
        _("Service staff are working on your request. You will find their reply here."),
        example={"ref": "FW000001"},
    ),
    Kind(
        "service_request_resolved",
        _("Your request %(ref)s is resolved"),
        _("Read the reply from the service staff and rate the help you got."),
        example={"ref": "FW000001"},
    ),
    # The body is staff's reply, or CLOSED_THANKS (a lazy param: rendered in the reader's language).
    Kind(
        "service_request_closed",
        _("Your request %(ref)s is closed"),
        "%(reply)s",
        example={"ref": "FW000001", "reply": CLOSED_THANKS},
    ),
)
