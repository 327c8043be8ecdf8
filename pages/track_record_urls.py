from django.urls import path

from pages.views import track_records as views

app_name = "track_records"
urlpatterns = [
    path("articles/<slug:slug>/track-record/", views.article_track_record, name="article"),
    path("authors/<slug:slug>/", views.author_track_record, name="author"),
    path("speakers/<slug:slug>/", views.speaker_track_record, name="speaker"),
    path("outlets/<slug:slug>/", views.outlet_track_record, name="outlet"),
    path("track-records/", views.track_record_board, name="board"),
    path("track-records/terms/", views.term_calibration_page, name="terms"),
]
