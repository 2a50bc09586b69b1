from django.urls import path

from volunteering import views

app_name = "volunteering"

urlpatterns = [
    path("", views.team_list, name="teams"),
    path("teams/<int:team_id>/", views.team_detail, name="team"),
    path("teams/<int:team_id>/join/", views.team_join, name="team_join"),
    path("teams/<int:team_id>/leave/", views.team_leave, name="team_leave"),
    path("teams/<int:team_id>/lead/", views.lead, name="lead"),
    path(
        "teams/<int:team_id>/lead/requests/<int:membership_id>/accept/",
        views.request_accept,
        name="request_accept",
    ),
    path(
        "teams/<int:team_id>/lead/requests/<int:membership_id>/decline/",
        views.request_decline,
        name="request_decline",
    ),
    path("teams/<int:team_id>/tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/signup/", views.task_signup, name="task_signup"),
    path("tasks/<int:task_id>/withdraw/", views.task_withdraw, name="task_withdraw"),
    path("tasks/<int:task_id>/confirm/", views.task_confirm, name="task_confirm"),
    path("tasks/<int:task_id>/cancel/", views.task_cancel, name="task_cancel"),
    path("mine/", views.my_tasks, name="mine"),
]
