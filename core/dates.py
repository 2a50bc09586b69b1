"""How the portal writes a span of time for people: one date when it fits in a day, two when not.

"12月5日 17:00–19:00" reads well; "12月5日 22:00–02:00" reads as if it ended before it began, so a
span that crosses midnight (in the portal's time zone) names the end's date too.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format


def time_span(starts: datetime, ends: datetime) -> str:
    starts, ends = timezone.localtime(starts), timezone.localtime(ends)
    start_text = date_format(starts, "SHORT_DATETIME_FORMAT")
    if starts.date() == ends.date():
        return f"{start_text}–{date_format(ends, 'TIME_FORMAT')}"
    return f"{start_text}–{date_format(ends, 'SHORT_DATETIME_FORMAT')}"
