from django.urls import path

from services import views

app_name = "services"

urlpatterns = [
    path("", views.index, name="index"),
    path("s/<slug:code>/", views.scenario_detail, name="scenario"),
    path("near/", views.near_me, name="near_me"),
    path("near/map/", views.near_me_map, name="near_me_map"),
    path("points/<uuid:point_uuid>/", views.point_detail, name="point"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_create, name="request_new"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/rate/", views.request_rate, name="request_rate"),
    path("requests/<int:request_id>/photos/<int:photo_id>/", views.request_photo, name="request_photo"),
]
