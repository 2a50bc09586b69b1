"""The logged-in worker's home: "things for you", gathered from every app.

Each app says what waits for the worker in its `selectors.home_items(user=...)` (one or two
queries each) and the home page view (config.home, the top layer, which may import them all)
puts the lists together. Each item leads straight to the page where the worker acts.
"""

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from core.typing import StrOrPromise

# A status that changed within this many days is shown under "what changed".
CHANGED_WITHIN = dt.timedelta(days=14)


class Group(StrEnum):
    WAITING = "waiting"  # something the worker must do: documents, a rating, a voucher, a task
    DRAFT = "draft"  # started and saved, to finish
    CHANGED = "changed"  # a status that moved lately


@dataclass(frozen=True)
class HomeItem:
    group: Group
    title: StrOrPromise  # what it is about, e.g. "报名申请：会计（专科）"
    detail: StrOrPromise  # what happened or what to do, in plain words
    action: StrOrPromise  # the button, e.g. "补充材料"
    url: str  # the page where the worker does it
    at: dt.datetime | None = None  # when it happened or is due, newest first within a group


def ordered(items: list[HomeItem]) -> dict[Group, list[HomeItem]]:
    """Waiting first, then drafts, then changes; newest first inside each group; empty groups left out."""
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    groups: dict[Group, list[HomeItem]] = {}
    for group in Group:
        chosen = sorted(
            (item for item in items if item.group is group), key=lambda i: i.at or oldest, reverse=True
        )
        if chosen:
            groups[group] = chosen
    return groups
