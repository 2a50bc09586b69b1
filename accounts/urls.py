from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.me, name="me"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/<int:consent_id>/withdraw/", views.privacy_withdraw, name="privacy_withdraw"),
]
