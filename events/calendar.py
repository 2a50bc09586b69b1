"""The .ics file of one event (RFC 5545), for the phone's calendar."""

from datetime import UTC

import icalendar

from events.models import Event

PRODID = "-//Xiaoge portal//Events//ZH"
UID_DOMAIN = "events.xiaoge-portal"


def event_ics(event: Event, *, url: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    item = icalendar.Event()
    # Stable per event: re-downloading updates the same calendar entry instead of adding one.
    item.add("uid", f"event-{event.pk}@{UID_DOMAIN}")
    item.add("dtstamp", event.created_at.astimezone(UTC))
    item.add("dtstart", event.starts_at.astimezone(UTC))
    item.add("dtend", event.ends_at.astimezone(UTC))
    item.add("summary", event.title)
    item.add("location", f"{event.station.name} · {event.place}")
    item.add("description", event.description or event.title)
    item.add("url", url)
    item.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
    calendar.add_component(item)
    return calendar.to_ical()
