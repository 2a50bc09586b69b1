from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Street
from events.models import Event, Registration
from stations.models import Station
from tests.factories import UserFactory
from tests.services.factories import PointFactory


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    service_point = factory.SubFactory(PointFactory)
    name = factory.Sequence(lambda n: f"测试驿站{n}")
    host_name = "西溪龙湖天街"
    host_kind = Station.HostKind.MALL
    street = Street.JIANGCUN


class EventFactory(factory.django.DjangoModelFactory):
    """A sharing event in three days, two hours long, ten seats."""

    class Meta:
        model = Event

    station = factory.SubFactory(StationFactory)
    kind = Event.Kind.SHARING
    title = factory.Sequence(lambda n: f"诗歌分享会{n}")
    description = "读一首你写的诗。"
    place = "驿站二楼活动室"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(hours=2))
    seat_limit = 10


def ongoing_event(**fields) -> Event:
    """Started ten minutes ago, open for check-in for another hour and fifty minutes."""
    now = timezone.now()
    return EventFactory(starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(minutes=110), **fields)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    status = Registration.Status.REGISTERED
