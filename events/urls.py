from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("mine/", views.my_events, name="mine"),
    path("<int:event_id>/", views.event_detail, name="detail"),
    path("<int:event_id>/register/", views.register, name="register"),
    path("<int:event_id>/cancel/", views.cancel, name="cancel"),
    path("<int:event_id>/calendar.ics", views.calendar, name="calendar"),
    path("<int:event_id>/checkin/", views.checkin, name="checkin"),
    path("<int:event_id>/checkin/done/", views.checkin_done, name="checkin_done"),
    path("<int:event_id>/screen/", views.venue_screen, name="screen"),
]
