"""What deliberation earns on the points ledger: a topic accepted for a session (points.registry)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from deliberation.models import Topic
from points.registry import Rule, register_kind, register_source

TOPIC_ACCEPTED = "topic_accepted"


def register() -> None:
    register_kind(
        TOPIC_ACCEPTED,
        _("Deliberation topic accepted for a session"),
        rule=Rule(5, "议题被采纳上会"),
    )
    register_source(Topic, page=_topic_page)


def _topic_page(topic: Topic) -> str:
    return reverse("deliberation:topic_detail", args=[topic.pk])
