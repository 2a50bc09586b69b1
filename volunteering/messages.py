"""The messages volunteering sends team leads and volunteers (see notifications.messages)."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import Kind, register

# Who asked to join, when they have not given their name.
A_WORKER = _("A worker")

TASK = {"what": "助老送餐", "when": "2026年3月12日 10:00–11:00", "area": "湖滨社区"}

register(
    Kind(
        "volunteer_join_request",
        _("Someone asked to join %(team)s"),
        _("%(name)s asked to join the team. Please accept or decline on the team lead page."),
        example={"team": "湖滨助老队", "name": "张三"},
    ),
    Kind(
        "volunteer_join_accepted",
        _("Welcome to %(team)s"),
        _("The team lead accepted you. You can now sign up for the team's tasks."),
        example={"team": "湖滨助老队"},
    ),
    Kind(
        "volunteer_join_declined",
        _("Your request to join %(team)s"),
        _("The team lead did not accept your request this time."),
        example={"team": "湖滨助老队"},
    ),
    Kind(
        "volunteer_signup_confirmed",
        _("You are signed up: %(what)s"),
        _(
            "Your sign-up for %(what)s on %(when)s (%(area)s) is confirmed. "
            "The address and the elderly person's details are on the task page."
        ),
        example=TASK,
    ),
    Kind(
        "volunteer_task_done",
        _("Thank you for %(what)s"),
        _("The team lead confirmed %(what)s on %(when)s."),
        example=TASK,
    ),
    Kind(
        "volunteer_task_done_points",
        _("Thank you! +%(points)s points"),
        _("The team lead confirmed %(what)s on %(when)s. %(points)s points were added to your account."),
        example={**TASK, "points": 20},
    ),
    Kind(
        "volunteer_task_cancelled",
        _("Task cancelled: %(what)s"),
        _("%(what)s on %(when)s was cancelled. Reason: %(reason)s"),
        example={**TASK, "reason": "天气原因。"},
    ),
)
