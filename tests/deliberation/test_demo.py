import io

import pytest

from accounts import demo as accounts_demo
from deliberation import demo
from deliberation.models import FollowUpAction, Session, Support, Topic
from events.models import Event
from notifications.models import Message
from services import demo as services_demo
from stations import demo as stations_demo
from stations.models import Station

pytestmark = pytest.mark.django_db


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Station, Topic, Support, Session, Event, FollowUpAction, Message)
    }


def test_seeding_twice_changes_nothing():
    # Only what deliberation needs first: demo people, the service points and the stations.
    accounts_demo.seed(stdout=io.StringIO())
    services_demo.seed(stdout=io.StringIO())
    stations_demo.seed(stdout=io.StringIO())
    demo.seed(stdout=io.StringIO())
    first = counts()
    out = io.StringIO()
    stations_demo.seed(stdout=out)
    demo.seed(stdout=out)
    assert counts() == first
    assert out.getvalue() == (
        "  stations: 3 stations; station lead 13900000004  deliberation: 6 topics, 2 sessions"
    )
    statuses = dict(Topic.objects.values_list("title", "status"))
    assert statuses["商场不让电动车进地库取餐"] == "resolved"
    assert statuses["午高峰没有临时停车位"] == "scheduled"
    assert statuses["快递柜满了只能放门岗"] == "closed"
    assert sorted(FollowUpAction.objects.values_list("status", flat=True)) == ["done", "open", "overdue"]
    lead = Station.objects.get(name="西溪天街小哥驿站").lead
    assert (lead.phone, lead.is_staff) == ("+8613900000004", True)
    assert lead.groups.filter(name="驿站管理员 station staff").exists()
    assert Session.objects.filter(event__kind="deliberation").count() == 2


def test_without_the_demo_stations_it_only_says_so():
    out = io.StringIO()
    demo.seed(stdout=out)
    assert (
        out.getvalue() == "  deliberation: the demo stations are missing (stations/demo.py seeds them first)"
    )
    assert not Topic.objects.exists()
