"""Opening hours: is a point open at a moment, and when does that change? Pure functions.

Times are wall-clock times in Asia/Shanghai. A weekly span whose closing time
is not after its opening time runs overnight into the next day; a dated
exception replaces the weekly spans that start on its date (the tail of the
previous night still belongs to the previous day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOSING_SOON = dt.timedelta(minutes=30)
AROUND_THE_CLOCK = dt.timedelta(hours=24)


@dataclass(frozen=True)
class WeeklySpan:
    weekday: int  # 0 = Monday
    opens_at: dt.time
    closes_at: dt.time


@dataclass(frozen=True)
class DatedException:
    date: dt.date
    closed: bool
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    note: str = ""


@dataclass(frozen=True)
class OpenState:
    is_open: bool
    closing_soon: bool = False
    closes_at: dt.datetime | None = None  # when open: the end of the current span
    opens_at: dt.datetime | None = None  # when closed: the next opening within a week, if any
    note: str = ""  # the reason of today's exception, e.g. "Spring Festival"
    around_the_clock: bool = False  # open now and for at least the next 24 hours ("24小时营业")
    opens_in_days: int | None = None  # when closed: 0 if it opens later today, 1 tomorrow, ...


def _span(day: dt.date, opens: dt.time, closes: dt.time) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, opens, tzinfo=SHANGHAI)
    end_day = day if closes > opens else day + dt.timedelta(days=1)
    return start, dt.datetime.combine(end_day, closes, tzinfo=SHANGHAI)


def spans_on(
    day: dt.date, weekly: Iterable[WeeklySpan], exceptions: dict[dt.date, DatedException]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The spans that start on this day."""
    exception = exceptions.get(day)
    if exception is not None:
        if exception.closed or exception.opens_at is None or exception.closes_at is None:
            return []
        return [_span(day, exception.opens_at, exception.closes_at)]
    return [_span(day, s.opens_at, s.closes_at) for s in weekly if s.weekday == day.weekday()]


def _merged(spans: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def open_state(
    at: dt.datetime, weekly: Iterable[WeeklySpan], exceptions: Iterable[DatedException] = ()
) -> OpenState:
    local = at.astimezone(SHANGHAI)
    weekly = list(weekly)
    by_date = {e.date: e for e in exceptions}
    today = local.date()
    # Yesterday for overnight tails, and the coming week for "opens at" and for
    # spans that continue past midnight (an all-night point is one long span).
    days = [today + dt.timedelta(days=offset) for offset in range(-1, 8)]
    spans = _merged([span for day in days for span in spans_on(day, weekly, by_date)])
    note = by_date[today].note if today in by_date else ""
    for start, end in spans:
        if start <= local < end:
            return OpenState(
                is_open=True,
                closing_soon=end - local <= CLOSING_SOON,
                closes_at=end,
                note=note,
                around_the_clock=end - local >= AROUND_THE_CLOCK,
            )
        if start > local:
            return OpenState(
                is_open=False, opens_at=start, note=note, opens_in_days=(start.date() - today).days
            )
    return OpenState(is_open=False, note=note)


def week_table(
    today: dt.date, weekly: Iterable[WeeklySpan], exceptions: Iterable[DatedException] = ()
) -> list[dict]:
    """The next seven days from today, each with its spans as text, for the point page."""
    weekly = list(weekly)
    by_date = {e.date: e for e in exceptions}
    rows = []
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        spans = spans_on(day, weekly, by_date)
        exception = by_date.get(day)
        rows.append(
            {
                "date": day,
                "weekday": day.weekday(),
                "is_today": offset == 0,
                "spans": [
                    (
                        start.strftime("%H:%M"),
                        "24:00" if end - start == dt.timedelta(days=1) else end.strftime("%H:%M"),
                        end.date() > day and end - start != dt.timedelta(days=1),
                    )
                    for start, end in spans
                ],
                "note": exception.note if exception else "",
            }
        )
    return rows
