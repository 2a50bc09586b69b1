"""The kinds of points and the models that earn or spend them, as the apps above declare them.

The ledger is the lowest shared service of the portal: it knows no app that uses it. Each app
that adds or spends points declares, in its `<app>/points_kinds.py` called from its
AppConfig.ready():

- its **kinds** (`register_kind`): the `reason` of its ledger lines, the label the worker reads,
  and, when staff set its amount in admin, the `Rule` it starts with (a `PointRule` row);
- its **sources** (`register_source`): the models its ledger lines point at, with the page
  that line leads its owner to.

`points_add` refuses a reason nobody registered (`UnknownReason`), so a typo cannot write a
line no label, rule or report knows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.signals import post_delete

from core import public_cache
from core.typing import StrOrPromise


class UnknownReason(LookupError):
    """A ledger line with a reason no app registered: a programming error, not a worker's."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"No points kind “{reason}” is registered. The app that adds these points declares it in its "
            "points_kinds.py (points.registry.register_kind), called from its AppConfig.ready()."
        )
        self.reason = reason


@dataclass(frozen=True)
class Rule:
    """A kind whose amount staff set in admin: the amount and description its PointRule starts with."""

    amount: int
    description: str = ""


@dataclass(frozen=True)
class Kind:
    value: str  # PointEntry.reason, PointRule.event
    label: StrOrPromise  # what the worker reads in their ledger
    rule: Rule | None = None  # None: the amount is the caller's (a price, a refund, a staff adjustment)


@dataclass(frozen=True)
class Source:
    model: type[models.Model]
    page: Callable[[Any], str]  # the URL of a source row for the owner of the ledger line


# The namespace of core.public_cache under which the ledger pages are kept (core.fragments): each
# is kept while its owner's last ledger line stays the same; a deleted source, whose line then
# leads nowhere, starts a new generation of them all.
LEDGER_PAGES = "points-ledger"

_kinds: dict[str, Kind] = {}
_sources: dict[str, Source] = {}


def register_kind(value: str, label: StrOrPromise, *, rule: Rule | None = None) -> Kind:
    kind = Kind(value=value, label=label, rule=rule)
    known = _kinds.get(value)
    if known is not None and known != kind:
        raise ImproperlyConfigured(f"The points kind “{value}” is registered twice, differently.")
    _kinds[value] = kind
    return kind


def register_source(model: type[models.Model], *, page: Callable[[Any], str]) -> None:
    label = model._meta.label_lower
    known = _sources.get(label)
    if known is not None and known.page is not page:
        raise ImproperlyConfigured(f"The points source “{label}” is registered twice, differently.")
    _sources[label] = Source(model=model, page=page)
    post_delete.connect(_source_deleted, sender=model, dispatch_uid=f"points-source-deleted-{label}")


def _source_deleted(**_kwargs: Any) -> None:
    public_cache.changed(LEDGER_PAGES)


def kind(value: str) -> Kind:
    try:
        return _kinds[value]
    except KeyError:
        raise UnknownReason(value) from None


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda known: known.value)


def rule_kinds() -> list[Kind]:
    """The kinds whose amount is a PointRule staff set."""
    return [known for known in kinds() if known.rule is not None]


def label(value: str) -> StrOrPromise:
    """The worker's label of a reason; the reason itself for one no app registers (any more)."""
    known = _kinds.get(value)
    return known.label if known is not None else value


def source_models() -> list[type[models.Model]]:
    return [source.model for source in _sources.values()]


def source_page(app_label: str, model_name: str) -> Callable[[Any], str] | None:
    source = _sources.get(f"{app_label}.{model_name}")
    return source.page if source is not None else None
