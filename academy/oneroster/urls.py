from django.urls import path, re_path

from academy.oneroster.views import VIEWS, CsvZipView, discovery, unknown_path

app_name = "oneroster"
urlpatterns = [
    path(
        endpoint.route,
        view.as_view(),
        # A record's references (href) point at its collection's single-record operation.
        name=f"{endpoint.route.split('/')[0]}-detail" if endpoint.single else endpoint.operation,
    )
    for endpoint, view in VIEWS
]
# The CSV binding has no HTTP operation of its own: these two are ours, beside the REST ones.
urlpatterns += [
    path("csv/bulk.zip", CsvZipView.as_view(), name="csv-bulk"),
    path("csv/delta.zip", CsvZipView.as_view(delta=True), name="csv-delta"),
    path("discovery", discovery, name="discovery"),
]
# Anything else under the base URL answers imsx_StatusInfo, not Django's HTML 404.
urlpatterns.append(re_path(r"^(?P<path>.*)$", unknown_path, name="unknown"))
