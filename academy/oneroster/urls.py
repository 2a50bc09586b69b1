from django.urls import path

from academy.oneroster.views import VIEWS

app_name = "oneroster"
urlpatterns = []
for plural, (collection, detail) in VIEWS.items():
    urlpatterns += [
        path(plural, collection.as_view(), name=f"{plural}-list"),
        path(f"{plural}/<str:sourced_id>", detail.as_view(), name=f"{plural}-detail"),
    ]
