from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "deliberation"
    verbose_name = _("Deliberation")

    def ready(self) -> None:
        from core import topic_routes
        from deliberation import actions, points_kinds

        points_kinds.register()
        # voice (same layer) routes 随口说 opinions here as topics: see core.topic_routes.
        topic_routes.register(raiser=actions.topic_raise_for, url=actions.topic_url)
