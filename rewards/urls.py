from django.urls import path

from rewards import views

app_name = "rewards"

urlpatterns = [
    path("", views.store, name="store"),
    path("<int:reward_id>/redeem/", views.redeem, name="redeem"),
    path("vouchers/", views.vouchers, name="vouchers"),
    path("vouchers/<int:voucher_id>/", views.voucher, name="voucher"),
    path("vouchers/<int:voucher_id>/cancel/", views.cancel, name="cancel"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("leaderboard/opt/", views.leaderboard_opt, name="leaderboard_opt"),
    path("handover/", views.handover, name="handover"),
]
