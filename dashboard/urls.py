from django.contrib import admin
from django.urls import path

from dashboard import views

app_name = "dashboard"

# Inside admin (config/urls.py mounts these under admin/dashboard/): the staff login with its
# second factor, like every admin page.
urlpatterns = [
    path("", admin.site.admin_view(views.district), name="district"),
    path("station/", admin.site.admin_view(views.station), name="station"),
    path("report/", admin.site.admin_view(views.monthly_report), name="report"),
    path("csv/<slug:panel>/<slug:table>/", admin.site.admin_view(views.csv_table), name="csv"),
]
