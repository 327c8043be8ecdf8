from django.urls import path

from pages.views import forecasts as views

app_name = "forecasts"
urlpatterns = [
    path("questions/<slug:slug>/forecast/", views.forecast_submit_view, name="submit"),
    path("questions/<slug:slug>/withdraw/", views.forecast_withdraw_view, name="withdraw"),
    path("questions/<slug:slug>/reaffirm/", views.forecast_reaffirm_view, name="reaffirm"),
    path("me/record/", views.my_record, name="record"),
]
