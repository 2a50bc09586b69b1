from django import template

from services.selectors import scenarios_active

register = template.Library()


@register.inclusion_tag("services/_scenario_grid.html")
def scenario_grid():
    """The ten friendly scenarios as tiles (the home page and the services index)."""
    return {"scenarios": scenarios_active()}
