from django import template

from services.selectors import scenarios_active_listed

register = template.Library()


@register.inclusion_tag("services/_scenario_grid.html")
def scenario_grid(with_css: bool = True, near_me: bool = True):
    """The ten friendly scenarios as tiles, and the way to the points near me.

    Outside our own pages (the home page) it brings our stylesheet along.
    """
    return {"scenarios": scenarios_active_listed(), "with_css": with_css, "near_me": near_me}
