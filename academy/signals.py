"""Signals the academy sends; other apps (subsidies) react in the same transaction. And the academy's
own receivers: a change of the catalogue starts a new generation of its cached drawing
(core.public_cache, core.fragments)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from academy.models import Intake, Offering, Programme, University
from academy.selectors import CATALOGUE
from core import public_cache

# Sent with record=<CreditRecord>, acting_user=<User | None> once credits for a study year are recorded.
credits_recorded = Signal()

# What the programme list shows: a programme and its university, the open offerings and their intakes.
CATALOGUE_MODELS = (Programme, University, Offering, Intake)


# An admission only counts an offering's seats, which the list does not show.
SEAT_COUNT_FIELDS = frozenset({"seats_taken", "updated_at"})


def catalogue_changed(*, update_fields: frozenset[str] | None = None, **_kwargs) -> None:
    if update_fields is not None and update_fields <= SEAT_COUNT_FIELDS:
        return
    public_cache.changed(CATALOGUE)


def connect() -> None:
    for model in CATALOGUE_MODELS:
        post_save.connect(
            catalogue_changed, sender=model, dispatch_uid=f"academy-catalogue-save-{model.__name__}"
        )
        post_delete.connect(
            catalogue_changed, sender=model, dispatch_uid=f"academy-catalogue-delete-{model.__name__}"
        )
