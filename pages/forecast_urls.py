from django.urls import path

from pages.views import forecasts as views

app_name = "forecasts"
urlpatterns = [
    path("questions/<slug:slug>/forecast/", views.forecast_submit_view, name="submit"),
    path("me/record/", views.my_record, name="record"),
]
