"""The home page. Here, at the top of the app graph, because it asks every app what waits for the worker."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from academy import selectors as academy_selectors
from core import home, public_cache
from rewards import selectors as rewards_selectors
from services import selectors as services_selectors
from subsidies import selectors as subsidies_selectors
from volunteering import selectors as volunteering_selectors

# Each: home_items(user=...) -> list[core.home.HomeItem].
SOURCES = (
    academy_selectors.home_items,
    subsidies_selectors.home_items,
    services_selectors.home_items,
    rewards_selectors.home_items,
    volunteering_selectors.home_items,
)


def things_for(user) -> dict[home.Group, list[home.HomeItem]]:
    items: list[home.HomeItem] = []
    for source in SOURCES:
        items += source(user=user)
    return home.ordered(items)


# The scenario tiles are the services catalogue: the page for visitors not logged in is kept until
# it changes (core.public_cache); a worker's page is drawn for them every time.
@public_cache.anonymous_page(services_selectors.CATALOGUE)
def home_page(request: HttpRequest) -> HttpResponse:
    context = {}
    if request.user.is_authenticated:
        context["things"] = things_for(request.user)
    return render(request, "core/home.html", context)
