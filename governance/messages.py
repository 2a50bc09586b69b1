"""The messages governance sends grid members about their appointment and their reports
(see notifications.messages)."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import Kind, register

register(
    Kind(
        "grid_member_appointed",
        _("You are now a grid member"),
        _("You were appointed grid member of %(grid)s. You can now file street reports."),
        example={"grid": "西湖街道第一网格"},
    ),
    Kind(
        "grid_report_accepted",
        _("Your street report was accepted"),
        _("Report #%(id)s (%(category)s) was accepted and will be handled."),
        example={"id": 42, "category": "占道经营"},
    ),
    Kind(
        "grid_report_dispatched",
        _("Your street report was passed on"),
        _("Report #%(id)s was passed on to %(department)s."),
        example={"id": 42, "department": "城管中队"},
    ),
    Kind(
        "grid_report_resolved",
        _("Your street report was resolved"),
        _(
            "Report #%(id)s was resolved: %(note)s If the problem comes back within 14 days, you can reopen it."
        ),
        example={"id": 42, "note": "摊位已清理。"},
    ),
    Kind(
        "grid_report_followed_resolved",
        _("A report you follow was resolved"),
        _("Report #%(id)s was resolved: %(note)s"),
        example={"id": 42, "note": "摊位已清理。"},
    ),
    Kind(
        "grid_report_rejected",
        _("Your street report was not accepted"),
        _("Report #%(id)s was not accepted: %(reason)s"),
        example={"id": 42, "reason": "不在本网格范围内。"},
    ),
    Kind(
        "grid_report_duplicate",
        _("Your street report was already reported"),
        _("The same problem was already reported as #%(id)s; follow that one."),
        example={"id": 41},
    ),
    # Staff wrote a note: it is the body.
    Kind(
        "grid_report_duplicate_note",
        _("Your street report was already reported"),
        "%(note)s",
        example={"note": "同一问题已由#41上报，请关注该报告。"},
    ),
)
