"""What volunteering earns on the points ledger: a confirmed volunteer task (points.registry)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from points.registry import Rule, register_kind, register_source
from volunteering.models import Task

VOLUNTEER_TASK_DONE = "volunteer_task_done"


def register() -> None:
    register_kind(
        VOLUNTEER_TASK_DONE,
        _("Volunteer task confirmed"),
        rule=Rule(20, "志愿服务任务确认完成"),
    )
    register_source(Task, page=_task_page)


def _task_page(task: Task) -> str:
    return reverse("volunteering:task", args=[task.pk])
