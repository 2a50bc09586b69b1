from django.urls import path

from deliberation import views

app_name = "deliberation"

urlpatterns = [
    path("", views.station_list, name="station_list"),
    path("<int:station_id>/", views.station_detail, name="station_detail"),
    path("<int:station_id>/raise/", views.topic_new, name="topic_new"),
    path("topics/mine/", views.my_topics, name="my_topics"),
    path("topics/<int:topic_id>/", views.topic_detail, name="topic_detail"),
    path("topics/<int:topic_id>/support/", views.support, name="topic_support"),
    path("topics/<int:topic_id>/unsupport/", views.unsupport, name="topic_unsupport"),
    path("topics/<int:topic_id>/accept/", views.accept, name="topic_accept"),
    path("topics/<int:topic_id>/close/", views.close, name="topic_close"),
    path("photos/<int:photo_id>/<str:size>/", views.photo, name="photo"),
]
