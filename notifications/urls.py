from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:message_id>/open/", views.open_message, name="inbox_open"),
    path("read-all/", views.mark_all_read, name="inbox_mark_all_read"),
]
