"""The unsubscribe page. Included at /accounts/ without a namespace, beside the account
pages, so the links in emails already sent keep working."""

from django.urls import path

from notifications.views import unsubscribe

urlpatterns = [
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
]
