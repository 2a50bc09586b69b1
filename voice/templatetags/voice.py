"""The help requests and the member's month on the grid page (governance/index.html), without
governance importing voice."""

from django import template

from voice.models import HelpRequest
from voice.selectors import month_summary, open_requests_for, requests_taken_by

register = template.Library()

GRID_PAGE_REQUESTS = 5


@register.inclusion_tag("voice/_help_requests.html")
def help_requests_for(user) -> dict:
    return {
        "open_requests": list(open_requests_for(user=user)[:GRID_PAGE_REQUESTS]),
        "taken": list(requests_taken_by(user=user).filter(status=HelpRequest.Status.TAKEN)),
    }


@register.inclusion_tag("voice/_month.html")
def month_for(user) -> dict:
    """The grid member's monthly summary: 随手报, 随手帮 and 随口说 (voice.selectors.month_summary)."""
    return {"month": month_summary(user=user)}
