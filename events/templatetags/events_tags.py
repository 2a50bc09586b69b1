from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("components/status_badge.html")
def event_badge(event):
    """The badge of an event as a worker sees it: text and colour family."""
    phase = event.phase()
    if phase == "cancelled":
        return {"label": _("Cancelled"), "family": "refused"}
    if phase == "ended":
        return {"label": _("Ended"), "family": "done"}
    if phase == "ongoing":
        return {"label": _("Happening now"), "family": "progress"}
    seats_taken = getattr(event, "seats_taken", None)
    if seats_taken is not None and seats_taken >= event.seat_limit:
        return {"label": _("Full: waitlist open"), "family": "waiting"}
    return {"label": _("Open for registration"), "family": "progress"}


@register.inclusion_tag("components/status_badge.html")
def registration_badge(status: str, checked_in: bool = False):
    if checked_in:
        return {"label": _("Checked in"), "family": "done"}
    if status == "registered":
        return {"label": _("Registered"), "family": "progress"}
    if status == "waitlisted":
        return {"label": _("On the waitlist"), "family": "waiting"}
    return {"label": _("Cancelled"), "family": "refused"}


@register.simple_tag
def event_when(event) -> str:
    """2026年12月5日 14:00–16:00 (Asia/Shanghai); both dates when it runs past midnight."""
    from django.utils import timezone
    from django.utils.formats import date_format

    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    text = f"{date_format(start, 'DATE_FORMAT')} {date_format(start, 'H:i')}–"
    if end.date() != start.date():
        text += f"{date_format(end, 'DATE_FORMAT')} "
    return text + date_format(end, "H:i")
