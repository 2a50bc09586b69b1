import io

import pytest

from events import demo
from events.models import CheckIn, ContestResult, Event, Registration
from points.models import PointEntry
from tests.events.factories import StationFactory

pytestmark = pytest.mark.django_db


def test_without_stations_it_only_says_so():
    out = io.StringIO()
    demo.seed(stdout=out)
    assert out.getvalue() == "  events: no stations yet (stations/demo.py seeds them first), no demo events"
    assert not Event.objects.exists()


def test_seeding_twice_changes_nothing():
    for name in ("西溪天街小哥驿站", "翠苑小哥驿站", "湖滨小哥驿站"):
        StationFactory(name=name)
    demo.seed(stdout=io.StringIO())

    def snapshot():
        return (
            list(Event.objects.values_list("title", "status", "results_published_at").order_by("id")),
            list(Registration.objects.values_list("event_id", "user_id", "status").order_by("id")),
            CheckIn.objects.count(),
            ContestResult.objects.count(),
            PointEntry.objects.count(),
        )

    first = snapshot()
    demo.seed(stdout=io.StringIO())
    assert snapshot() == first
    poetry = Event.objects.get(title="诗歌分享会·路上的诗")
    assert list(poetry.registrations.values_list("status", flat=True).order_by("id")) == [
        "registered",
        "registered",
        "registered",
        "waitlisted",
        "waitlisted",
    ]
    assert CheckIn.objects.filter(event__title="快递员打包技能比武").count() == 3
    assert PointEntry.objects.filter(reason="contest_rank_1").count() == 1
    assert Event.objects.get(title="安全骑行经验分享会").registrations.count() == 2
