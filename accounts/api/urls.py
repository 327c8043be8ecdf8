from django.urls import path

from accounts.api.settings import UserSettingsView
from accounts.api.views import SignupView, TokenObtainView

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
    path("auth/signup/", SignupView.as_view(), name="auth-signup"),
    path("me/", UserSettingsView.as_view(), name="me"),
]
