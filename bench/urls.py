"""The portal's URLs and one more, only under bench.throughput: the baseline view."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler404, handler500
from config.urls import urlpatterns as portal_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


def hello(request: HttpRequest) -> HttpResponse:
    """The cheapest Django view: whatever a page costs beyond it is the portal's own."""
    return HttpResponse("Hello, world")


urlpatterns = [path("__bench__/hello", hello), *portal_urlpatterns]
