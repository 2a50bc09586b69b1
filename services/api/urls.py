from django.urls import path

from services.api import views

# HSDS spells its paths without a trailing slash.
urlpatterns = [
    path("", views.RootView.as_view(), name="hsds-root"),
    path("services", views.ServiceListView.as_view(), name="hsds-services"),
    path("services/<uuid:service_id>", views.ServiceDetailView.as_view(), name="hsds-service"),
    path("organizations", views.OrganizationListView.as_view(), name="hsds-organizations"),
    path(
        "organizations/<uuid:organization_id>",
        views.OrganizationDetailView.as_view(),
        name="hsds-organization",
    ),
    path("service_at_locations", views.ServiceAtLocationListView.as_view(), name="hsds-service-at-locations"),
    path(
        "service_at_locations/<uuid:sal_id>",
        views.ServiceAtLocationDetailView.as_view(),
        name="hsds-service-at-location",
    ),
    path("taxonomies", views.TaxonomyListView.as_view(), name="hsds-taxonomies"),
    path("taxonomies/<uuid:taxonomy_id>", views.TaxonomyDetailView.as_view(), name="hsds-taxonomy"),
    path("taxonomy_terms", views.TaxonomyTermListView.as_view(), name="hsds-taxonomy-terms"),
    path("taxonomy_terms/<uuid:term_id>", views.TaxonomyTermDetailView.as_view(), name="hsds-taxonomy-term"),
]
