"""A change of the public catalogue starts a new generation of its cached reads (core.public_cache)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from core import public_cache
from services.models import (
    Organization,
    Scenario,
    Schedule,
    ScheduleException,
    Service,
    ServiceAtPoint,
    ServicePoint,
)
from services.selectors import CATALOGUE

CATALOGUE_MODELS = (
    Scenario,
    Organization,
    ServicePoint,
    Service,
    ServiceAtPoint,
    Schedule,
    ScheduleException,
)


def catalogue_changed(**_kwargs) -> None:
    public_cache.changed(CATALOGUE)


def connect() -> None:
    for model in CATALOGUE_MODELS:
        post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"catalogue-save-{model.__name__}")
        post_delete.connect(
            catalogue_changed, sender=model, dispatch_uid=f"catalogue-delete-{model.__name__}"
        )
    m2m_changed.connect(
        catalogue_changed, sender=Service.points.through, dispatch_uid="catalogue-service-points"
    )
