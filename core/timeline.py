"""What the shared status components show, built by each app's selectors."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.typing import StrOrPromise


class Family(StrEnum):
    """One colour per family of states; the badge always carries the text too."""

    WAITING = "waiting"
    PROGRESS = "progress"
    DONE = "done"
    REFUSED = "refused"


@dataclass(frozen=True)
class TimelineStep:
    label: StrOrPromise  # what happened, e.g. "Admitted"
    at: datetime | None  # None for a step still to come
    family: Family
    actor: StrOrPromise = ""  # a role ("Checker", "You"), never a staff member's name
    note: StrOrPromise = ""  # the reason for a refusal, or what the person must do
