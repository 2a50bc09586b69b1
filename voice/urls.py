from django.urls import path

from voice import views

app_name = "voice"

urlpatterns = [
    path("", views.index, name="index"),
    path("help/new/", views.deed_new, name="deed_new"),
    path("help/", views.deed_list, name="deed_list"),
    path("help/<int:deed_id>/", views.deed_detail, name="deed_detail"),
    path("help/<int:deed_id>/photo/", views.deed_photo, name="deed_photo"),
    path("requests/<int:request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/take/", views.request_take, name="request_take"),
    path("requests/<int:request_id>/done/", views.request_done, name="request_done"),
    path("say/new/", views.opinion_new, name="opinion_new"),
    path("say/", views.opinion_list, name="opinion_list"),
    path("say/<int:opinion_id>/", views.opinion_detail, name="opinion_detail"),
    path("say/<int:opinion_id>/recording/", views.opinion_audio, name="opinion_audio"),
]
