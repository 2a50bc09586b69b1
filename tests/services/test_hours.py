"""Opening hours, pure: open now, closing soon, overnight spans, dated exceptions, the time zone."""

import datetime as dt

import pytest

from services.hours import SHANGHAI, DatedException, WeeklySpan, open_state, week_table

T = dt.time.fromisoformat
UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# 2026-03-02 is a Monday.
WEEKDAYS_9_TO_18 = [WeeklySpan(d, T("09:00"), T("18:00")) for d in range(5)]
NIGHTLY_22_TO_06 = [WeeklySpan(d, T("22:00"), T("06:00")) for d in range(7)]
ALL_DAY = [WeeklySpan(d, T("00:00"), T("00:00")) for d in range(7)]


@pytest.mark.parametrize(
    "moment, is_open, closing_soon",
    [
        ("2026-03-02T08:59:59", False, False),
        ("2026-03-02T09:00:00", True, False),
        ("2026-03-02T17:29:59", True, False),
        ("2026-03-02T17:30:00", True, True),  # 30 minutes before closing
        ("2026-03-02T17:59:59", True, True),
        ("2026-03-02T18:00:00", False, False),  # closing time is exclusive
        ("2026-03-07T12:00:00", False, False),  # Saturday
    ],
)
def test_open_now_and_closing_soon(moment, is_open, closing_soon):
    state = open_state(at(moment), WEEKDAYS_9_TO_18)
    assert (state.is_open, state.closing_soon) == (is_open, closing_soon)


def test_closed_state_says_when_it_opens_next():
    state = open_state(at("2026-03-06T19:00:00"), WEEKDAYS_9_TO_18)  # Friday evening
    assert state.opens_at == at("2026-03-09T09:00:00")  # Monday
    assert open_state(at("2026-03-02T10:00:00"), WEEKDAYS_9_TO_18).closes_at == at("2026-03-02T18:00:00")


@pytest.mark.parametrize(
    "moment, is_open, closes_at",
    [
        ("2026-03-02T21:59:00", False, None),
        ("2026-03-02T22:00:00", True, "2026-03-03T06:00:00"),
        ("2026-03-02T23:59:00", True, "2026-03-03T06:00:00"),
        ("2026-03-03T00:30:00", True, "2026-03-03T06:00:00"),  # yesterday's span, after midnight
        ("2026-03-08T03:00:00", True, "2026-03-08T06:00:00"),  # Saturday night into Sunday
        ("2026-03-03T06:00:00", False, None),
    ],
)
def test_overnight_spans(moment, is_open, closes_at):
    state = open_state(at(moment), NIGHTLY_22_TO_06)
    assert state.is_open is is_open
    assert state.closes_at == (at(closes_at) if closes_at else None)


def test_sunday_night_runs_into_monday_morning():
    sunday_only = [WeeklySpan(6, T("20:00"), T("02:00"))]
    assert open_state(at("2026-03-09T01:00:00"), sunday_only).is_open  # Monday 01:00
    assert not open_state(at("2026-03-10T01:00:00"), sunday_only).is_open  # Tuesday 01:00


def test_open_all_day_every_day_is_never_closing_soon():
    state = open_state(at("2026-03-02T23:45:00"), ALL_DAY)
    assert state.is_open and not state.closing_soon
    assert state.closes_at > at("2026-03-09T00:00:00")  # one long merged span


def test_holiday_closes_the_day_with_its_reason():
    holiday = DatedException(dt.date(2026, 3, 2), closed=True, note="春节")
    state = open_state(at("2026-03-02T10:00:00"), WEEKDAYS_9_TO_18, [holiday])
    assert (state.is_open, state.note, state.opens_at) == (False, "春节", at("2026-03-03T09:00:00"))


def test_holiday_does_not_cut_the_previous_nights_tail():
    holiday = DatedException(dt.date(2026, 3, 3), closed=True, note="检修")
    assert open_state(at("2026-03-03T01:00:00"), NIGHTLY_22_TO_06, [holiday]).is_open
    assert not open_state(at("2026-03-03T23:00:00"), NIGHTLY_22_TO_06, [holiday]).is_open


def test_special_hours_replace_the_weekly_ones():
    short_day = DatedException(dt.date(2026, 3, 2), closed=False, opens_at=T("10:00"), closes_at=T("12:00"))
    assert not open_state(at("2026-03-02T09:30:00"), WEEKDAYS_9_TO_18, [short_day]).is_open
    state = open_state(at("2026-03-02T11:45:00"), WEEKDAYS_9_TO_18, [short_day])
    assert (state.is_open, state.closing_soon) == (True, True)
    assert open_state(
        at("2026-03-07T11:00:00"), [], [DatedException(dt.date(2026, 3, 7), False, T("10:00"), T("12:00"))]
    ).is_open


def test_the_moment_is_read_in_shanghai_time_whatever_its_zone():
    # 01:30 UTC on Monday is 09:30 in Hangzhou: open; 10:30 UTC is 18:30 there: closed.
    assert open_state(dt.datetime(2026, 3, 2, 1, 30, tzinfo=UTC), WEEKDAYS_9_TO_18).is_open
    assert not open_state(dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC), WEEKDAYS_9_TO_18).is_open
    # Sunday 23:30 UTC is already Monday 07:30 in Hangzhou.
    state = open_state(dt.datetime(2026, 3, 1, 23, 30, tzinfo=UTC), WEEKDAYS_9_TO_18)
    assert state.opens_at == at("2026-03-02T09:00:00")


def test_week_table_marks_today_overnight_and_exceptions():
    weekly = [*WEEKDAYS_9_TO_18, WeeklySpan(5, T("22:00"), T("06:00"))]
    rows = week_table(dt.date(2026, 3, 2), weekly, [DatedException(dt.date(2026, 3, 4), True, note="检修")])
    assert [(r["date"].day, r["is_today"], r["spans"], r["note"]) for r in rows] == [
        (2, True, [("09:00", "18:00", False)], ""),
        (3, False, [("09:00", "18:00", False)], ""),
        (4, False, [], "检修"),
        (5, False, [("09:00", "18:00", False)], ""),
        (6, False, [("09:00", "18:00", False)], ""),
        (7, False, [("22:00", "06:00", True)], ""),
        (8, False, [], ""),
    ]
    assert week_table(dt.date(2026, 3, 2), ALL_DAY)[0]["spans"] == [("00:00", "24:00", False)]
