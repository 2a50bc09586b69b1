from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = _("Points")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from points import points_kinds

        points_kinds.register()
        post_migrate.connect(ensure_rules_after_migrate, sender=self)


def ensure_rules_after_migrate(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """The rules of the registered kinds are code (each app's points_kinds.py): every migrate adds
    the rows still missing; amounts staff changed stay."""
    from points.actions import pointrules_ensure

    pointrules_ensure(using=using)
