from django.urls import path

from governance import views

app_name = "governance"

urlpatterns = [
    path("", views.index, name="index"),
    path("report/", views.report_new, name="report_new"),
    path("report/nearby/", views.nearby, name="nearby"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:report_id>/", views.report_detail, name="report_detail"),
    path("reports/<int:report_id>/reopen/", views.reopen, name="report_reopen"),
    path("reports/<int:report_id>/follow/", views.follow, name="report_follow"),
    path("points/", views.points, name="points"),
    path("public/", views.public_list, name="public"),
    path("photos/<int:photo_id>/<str:size>/", views.photo, name="photo"),
]
