from decimal import Decimal

from django import template

from core.phone import format_local

register = template.Library()


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
