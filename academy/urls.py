from django.urls import path

from academy import views

app_name = "academy"

urlpatterns = [
    path("", views.programme_list, name="programmes"),
    path("programmes/<int:programme_id>/", views.programme_detail, name="programme"),
    path("apply/", views.apply_choose, name="apply"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:enrolment_id>/", views.application_detail, name="application"),
    path("applications/<int:enrolment_id>/certificate/", views.application_certificate, name="certificate"),
    path("applications/<int:enrolment_id>/review/", views.application_review, name="review"),
    path("applications/<int:enrolment_id>/withdraw/", views.application_withdraw, name="withdraw"),
    path(
        "applications/<int:enrolment_id>/certificate/file/", views.certificate_file, name="certificate_file"
    ),
]
