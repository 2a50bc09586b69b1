from django.urls import path

from delivery import views

app_name = "delivery"

urlpatterns = [
    path("", views.search, name="search"),
    path("near/", views.near, name="near"),
    path("sites/<uuid:site_uuid>/", views.site_detail, name="site"),
    path("sites/<uuid:site_uuid>/correct/", views.correction_create, name="correct"),
    path("sites/<uuid:site_uuid>/rate/", views.site_rate, name="rate"),
    path("corrections/", views.correction_list, name="corrections"),
    path("corrections/<int:correction_id>/", views.correction_detail, name="correction"),
    path("corrections/<int:correction_id>/decide/", views.correction_decide, name="decide"),
    path("corrections/<int:correction_id>/photo/", views.correction_photo, name="photo"),
]
