"""Raising a station deliberation topic from an app in deliberation's own layer.

`voice` routes a 随口说 opinion to a station's deliberation as a topic, but `voice` and
`deliberation` sit in one layer of the import contract (pyproject.toml), so neither imports the
other. `deliberation` registers its two steps here from its `AppConfig.ready()`: raise a topic
(inside the caller's transaction, so a refusal of either side changes nothing) and the page of a
topic. Callers read them through `raise_topic` and `topic_url`; with deliberation not installed
there is no raiser and routing to a station is refused with a translated message.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError

if TYPE_CHECKING:
    from accounts.models import User

NO_DELIBERATION = _("Station deliberation is not available on this portal.")


@dataclass(frozen=True)
class RaisedTopic:
    pk: int
    title: str
    url: str


class TopicRaiser(Protocol):
    def __call__(
        self, *, station_id: int, raised_by: "User", acting_user: "User", title: str, description: str
    ) -> RaisedTopic:
        """Create the topic in the caller's transaction, or raise ApplicationError (nothing created)."""
        ...


@dataclass
class _Registry:
    raiser: TopicRaiser | None = None
    url: Callable[[int], str] | None = None


_registry = _Registry()


def register(*, raiser: TopicRaiser, url: Callable[[int], str]) -> None:
    _registry.raiser, _registry.url = raiser, url


def raise_topic(
    *, station_id: int, raised_by: "User", acting_user: "User", title: str, description: str
) -> RaisedTopic:
    if _registry.raiser is None:
        raise ApplicationError(str(NO_DELIBERATION), extra={"field": "station"})
    return _registry.raiser(
        station_id=station_id,
        raised_by=raised_by,
        acting_user=acting_user,
        title=title,
        description=description,
    )


def topic_url(topic_id: int) -> str:
    """The public page of a topic; "" when no app offers topics."""
    return _registry.url(topic_id) if _registry.url is not None else ""
