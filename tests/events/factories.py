from datetime import timedelta

import factory
from django.utils import timezone

from events.models import Event, Registration
from tests.factories import UserFactory
from tests.stations.factories import StationFactory


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
