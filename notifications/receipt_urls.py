from django.urls import path

from notifications import views

# /notifications/receipts/<provider>/<token>/: the URL given to the provider's console.
urlpatterns = [
    path("<str:provider>/<str:token>/", views.sms_receipts, name="sms_receipts"),
]
