from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation

from core.dates import time_span

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_span_within_a_day_names_the_date_once():
    with translation.override("zh-hans"):
        text = time_span(
            datetime(2026, 12, 5, 17, 0, tzinfo=SHANGHAI), datetime(2026, 12, 5, 19, 0, tzinfo=SHANGHAI)
        )
    assert text == "2026年12月5日 17:00–19:00"


def test_a_span_across_midnight_names_the_end_date_too():
    with translation.override("zh-hans"):
        text = time_span(
            datetime(2026, 12, 5, 22, 0, tzinfo=SHANGHAI), datetime(2026, 12, 6, 2, 0, tzinfo=SHANGHAI)
        )
    assert text == "2026年12月5日 22:00–2026年12月6日 02:00"
