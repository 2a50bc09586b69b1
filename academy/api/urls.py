from django.urls import path
from rest_framework.routers import SimpleRouter

from academy.api import schema, views

router = SimpleRouter()
router.register("enrolments", views.EnrolmentViewSet, basename="partner-enrolment")
router.register("programmes", views.ProgrammeViewSet, basename="partner-programme")
router.register("intakes", views.IntakeViewSet, basename="partner-intake")

app_name = "partner_api"
_ = schema  # registers the OpenAPI security scheme
urlpatterns = [
    # No trailing slash: it is a file name (Excel and `curl -O` keep it).
    path(
        "enrolments/export.csv",
        views.EnrolmentViewSet.as_view(
            {"get": "export"}, renderer_classes=[views.CSVRenderer, views.JSONRenderer]
        ),
        name="partner-enrolment-export",
    ),
    *router.urls,
]
