"""A change of the report categories starts a new generation of their cached reads (core.public_cache)."""

from django.db.models.signals import post_delete, post_save

from core import public_cache
from governance.models import Category
from governance.selectors import CATEGORIES


def categories_changed(**_kwargs) -> None:
    public_cache.changed(CATEGORIES)


def connect() -> None:
    post_save.connect(categories_changed, sender=Category, dispatch_uid="categories-save")
    post_delete.connect(categories_changed, sender=Category, dispatch_uid="categories-delete")
