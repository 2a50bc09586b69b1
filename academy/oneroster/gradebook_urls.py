from django.urls import path, re_path

from academy.oneroster.gradebook import ResultView
from academy.oneroster.views import unknown_path

app_name = "oneroster_gradebook"
urlpatterns = [
    path("results/<str:sourcedId>", ResultView.as_view(), name="putResult"),
    # Anything else under the base URL answers imsx_StatusInfo, not Django's HTML 404.
    re_path(r"^(?P<path>.*)$", unknown_path, name="unknown"),
]
