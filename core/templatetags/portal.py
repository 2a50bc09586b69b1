from decimal import Decimal

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from core import dates
from core.phone import format_local

register = template.Library()


@register.filter
def time_span(starts, ends) -> str:
    """{{ starts|time_span:ends }}: core.dates.time_span."""
    return dates.time_span(starts, ends)


@register.filter
def yuan(amount) -> str:
    """Decimal('10000') -> ¥10,000.00"""
    if amount in (None, ""):
        return ""
    return f"¥{Decimal(amount):,.2f}"


@register.filter
def phone_local(e164: str) -> str:
    return format_local(e164)


@register.inclusion_tag("components/status_badge.html")
def status_badge(label: str, family: str):
    return {"label": label, "family": family}


@register.inclusion_tag("components/timeline.html")
def timeline(steps, next_step: str = ""):
    return {"steps": steps, "next_step": next_step}


@register.inclusion_tag("components/steps.html")
def step_progress(names, current: int):
    """names: the step names in order; current: 1-based."""
    return {"names": names, "current": current, "total": len(names)}


# --- icons: one SVG sprite served by us (static/img/icons.svg), never emoji (issue 19) ---------

# The icon of a service scenario or a report category, by its code; a generic one otherwise.
CODE_ICONS = {
    "requests": "megaphone",
    "delivery": "scooter",
    "legal": "scale",
    "relief": "hands",
    "rest": "cup",
    "injury": "shield",
    "housing": "home",
    "health": "heart",
    "skills": "tool",
    "culture": "music",
    "party": "flag",
    "road": "road",
    "facility": "building",
    "sanitation": "trash",
    "safety": "alert",
    "people": "people",
    "concerns": "chat",
}


@register.simple_tag
def icon(name: str, css: str = "") -> str:
    """<svg><use> of one symbol of the sprite, hidden from screen readers: a text label is always beside it."""
    return format_html(
        '<svg class="icon{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        f" {css}" if css else "",
        static("img/icons.svg"),
        name,
    )


@register.simple_tag
def code_icon(code: str, css: str = "") -> str:
    return icon(CODE_ICONS.get(code, "dot"), css)
