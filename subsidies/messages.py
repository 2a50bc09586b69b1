"""The messages the subsidies app sends applicants (see notifications.messages)."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import Kind, register
from subsidies.models import SubsidyApplication

Status = SubsidyApplication.Status

EXAMPLE = {"amount": "6,000.00", "reason": "学费发票缺失。"}

# The statuses an applicant is told about, each as the kind "subsidy_<status>".
NOTICES = {
    Status.SUBMITTED: (
        _("Subsidy application submitted"),
        _("We received your tuition subsidy application for ¥%(amount)s. A checker will look at it."),
    ),
    Status.RETURNED: (
        _("Subsidy application returned"),
        _("Your subsidy application needs more information: %(reason)s Please fix it and submit again."),
    ),
    Status.CHECKED: (
        _("Subsidy application checked"),
        _("Your subsidy application passed the first check and waits for approval."),
    ),
    Status.APPROVED: (
        _("Tuition subsidy approved"),
        _(
            "Your tuition subsidy of ¥%(amount)s is approved. It is paid year by year once that year's credits "
            "are recorded."
        ),
    ),
    Status.REJECTED: (
        _("Tuition subsidy not approved"),
        _("Your tuition subsidy was not approved. Reason: %(reason)s You may appeal once."),
    ),
    Status.APPEALED: (
        _("Appeal received"),
        _("We received your appeal. A different approver will decide it."),
    ),
    Status.PAID: (
        _("Tuition subsidy paid in full"),
        _("All instalments of your tuition subsidy (¥%(amount)s) are paid."),
    ),
}

register(
    *(
        Kind(f"subsidy_{status}", subject, body, example=EXAMPLE)
        for status, (subject, body) in NOTICES.items()
    ),
    Kind(
        "subsidy_instalment_paid",
        _("Subsidy instalment paid"),
        _("¥%(amount)s for study year %(year)d has been paid (reference %(reference)s)."),
        example={"amount": "3,000.00", "year": 1, "reference": "20260301-0001"},
    ),
)
