from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.me, name="me"),
    path("profile/", views.profile_edit, name="profile_edit"),
]
