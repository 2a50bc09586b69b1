"""core.validation: the shared parsing every interface uses."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from core import validation
from core.validation import BadInput

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def refused(function, *args, **kwargs) -> str:
    with pytest.raises(BadInput) as error, translation.override("en"):
        function(*args, **kwargs)
    with translation.override("en"):
        return error.value.message


@pytest.mark.parametrize(
    "raw, expected",
    [
        (None, None),
        ("", None),
        ("2026-03-01T08:00:00+08:00", dt.datetime(2026, 3, 1, 8, tzinfo=SHANGHAI)),
        ("2026-03-01T08:00:00 08:00", dt.datetime(2026, 3, 1, 8, tzinfo=SHANGHAI)),  # "+" sent unencoded
        ("２０２６-０３-０１", dt.datetime(2026, 3, 1, tzinfo=SHANGHAI)),  # full width, local midnight
        (
            "2026-03-01T00:00:00-15:59",
            dt.datetime(2026, 3, 1, tzinfo=dt.timezone(-dt.timedelta(hours=15, minutes=59))),
        ),
    ],
)
def test_moments_accepted(raw, expected):
    moment = validation.parse_datetime_param(raw, name="since")
    assert moment == expected
    assert (moment.utcoffset() if moment else None) == (expected.utcoffset() if expected else None)


@pytest.mark.parametrize(
    "raw, message",
    [
        ("yesterday", "since must be an ISO 8601 date-time, e.g. 2026-03-01T08:00:00+08:00."),
        ("2026-02-30T00:00:00Z", "since must be an ISO 8601 date-time, e.g. 2026-03-01T08:00:00+08:00."),
        ("2026-01-01T00:00:00+22:16", "since has a UTC offset beyond ±15:59."),
        ("2026-01-01T00:00:00+16:00", "since has a UTC offset beyond ±15:59."),
        ("9999-12-31T23:59:59-15:00", "since must be between 1900-01-01 and 2199-12-31."),
        ("0001-01-01T00:00:00Z", "since must be between 1900-01-01 and 2199-12-31."),
        ("0001-01-01", "since must be between 1900-01-01 and 2199-12-31."),
        ("2026-01-01\x00", "since contains a control character (such as NUL); please remove it."),
        ("2" * 65, "since is too long: at most 64 characters."),
    ],
)
def test_moments_refused(raw, message):
    assert refused(validation.parse_datetime_param, raw, name="since") == message


def test_a_moment_without_zone_is_refused_where_one_is_required():
    message = "start_date must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T08:00:00+08:00."
    assert (
        refused(
            validation.parse_datetime_param, "2026-03-01T08:00:00", name="start_date", require_time_zone=True
        )
        == message
    )
    assert validation.parse_datetime_param("2026-03-01", name="d", naive_in="utc") == dt.datetime(
        2026, 3, 1, tzinfo=dt.UTC
    )


def test_bounded_int():
    assert validation.bounded_int(None, name="page", default=1) == 1
    assert validation.bounded_int("１２", name="page", min_value=1) == 12
    message = "page must be a whole number from 1 to 9223372036854775807."
    for raw in ("0", "", "abc", "99999999999999999999", "1.5", "١", "1" * 21):
        assert refused(validation.bounded_int, raw, name="page", min_value=1) == message


def test_bounded_decimal():
    assert validation.bounded_decimal(
        "１２.５", name="x", min_value=Decimal(0), max_value=Decimal(200)
    ) == Decimal("12.5")
    assert validation.bounded_decimal("", name="x", min_value=Decimal(0), max_value=Decimal(200)) is None
    for raw in ("NaN", "Infinity", "201", "-0.1", "1e999999", "abc", "1" * 41):
        message = refused(
            validation.bounded_decimal, raw, name="x", min_value=Decimal(0), max_value=Decimal(200)
        )
        assert message == "x must be a number from 0 to 200."


def test_clean_text_param():
    assert validation.clean_text_param("  外卖  ", name="search") == "外卖"
    assert validation.clean_text_param("第一行\n第二行\t", name="search") == "第一行\n第二行"
    assert refused(validation.clean_text_param, "a\x1bb", name="search") == (
        "search contains a control character (such as NUL); please remove it."
    )
    assert (
        refused(validation.clean_text_param, "x" * 201, name="search")
        == "search is too long: at most 200 characters."
    )


def test_nfkc_is_the_one_normalisation_of_typed_codes():
    from accounts import sms_codes
    from core import phone

    assert validation.normalize_typed("１３８０００００００１") == "13800000001"
    assert phone.normalize_mobile("＋８６ １３８０００００００１") == "+8613800000001"
    assert sms_codes.normalize_code("０１２ ３４５") == "012345"


def test_json_depth():
    assert not validation.json_depth_exceeds('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    assert not validation.json_depth_exceeds('{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    assert validation.json_depth_exceeds("[" * 33 + "]" * 33)
