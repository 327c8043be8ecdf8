from django.urls import path

from pages.views import profiles as views

app_name = "profiles"
urlpatterns = [
    path("forecasters/<str:username>/", views.forecaster_profile, name="forecaster_profile"),
]
