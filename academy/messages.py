"""The messages the academy sends workers about their applications (see notifications.messages)."""

from django.utils.translation import gettext_lazy as _

from academy.models import Enrolment
from notifications.messages import Kind, register

Status = Enrolment.Status

EXAMPLE = {
    "programme": "行政管理（本科）",
    "intake": "2026年春季",
    "reason": "学历证明看不清",
    "student_number": "2026001",
}

# The statuses a worker is told about, each as the kind "enrolment_<status>".
NOTICES = {
    Status.SUBMITTED: (
        _("Application submitted"),
        _("We received your application for %(programme)s (%(intake)s). We will tell you the decision."),
    ),
    Status.ADMITTED: (
        _("You are admitted"),
        _(
            "Congratulations: you are admitted to %(programme)s (%(intake)s). "
            "The university will confirm your enrolment and student number."
        ),
    ),
    Status.WAITLISTED: (
        _("You are on the waiting list"),
        _("Your application for %(programme)s (%(intake)s) is on the waiting list. We will tell you."),
    ),
    Status.REJECTED: (
        _("Application not admitted"),
        _("Your application for %(programme)s (%(intake)s) was not admitted. Reason: %(reason)s"),
    ),
    Status.WITHDRAWN: (
        _("Application withdrawn"),
        _("Your application for %(programme)s (%(intake)s) has been withdrawn."),
    ),
    Status.ENROLLED: (
        _("Enrolment confirmed"),
        _(
            "The university confirmed your enrolment in %(programme)s. Your student number: %(student_number)s."
        ),
    ),
    Status.COMPLETED: (
        _("Programme completed"),
        _("You have completed %(programme)s. Congratulations!"),
    ),
}

register(
    *(
        Kind(f"enrolment_{status}", subject, body, example=EXAMPLE)
        for status, (subject, body) in NOTICES.items()
    )
)
