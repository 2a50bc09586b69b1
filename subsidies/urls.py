from django.urls import path

from subsidies import views

app_name = "subsidies"

urlpatterns = [
    path("", views.my_subsidy, name="mine"),
    path("apply/<int:enrolment_id>/", views.apply_start, name="apply"),
    path("<int:application_id>/", views.application_detail, name="application"),
    path("<int:application_id>/documents/", views.application_documents, name="documents"),
    path("<int:application_id>/review/", views.application_review, name="review"),
    path("<int:application_id>/appeal/", views.application_appeal, name="appeal"),
    path("<int:application_id>/withdraw/", views.application_withdraw, name="withdraw"),
    path("<int:application_id>/files/<str:field>/", views.document_file, name="document_file"),
]
