from django.db import transaction

from core import audit
from events.models import Event


@transaction.atomic
def event_create(
    *,
    station,
    kind: str,
    title: str,
    place: str,
    starts_at,
    ends_at,
    seat_limit: int,
    description: str = "",
    acting_user=None,
) -> Event:
    """Publish an event at a station; registration opens at once."""
    event = Event(
        station=station,
        kind=kind,
        title=title,
        description=description,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        seat_limit=seat_limit,
        created_by=acting_user,
    )
    event.full_clean()
    event.save()
    audit.record(actor=acting_user, action="event.create", target=event, data={"kind": kind})
    return event
