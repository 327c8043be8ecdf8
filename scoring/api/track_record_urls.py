from django.urls import path

from scoring.api.track_records import (
    ArticleTrackRecordView,
    AuthorTrackRecordView,
    OutletTrackRecordView,
    SpeakerTrackRecordView,
    TermCalibrationView,
    TrackRecordBoardView,
)

urlpatterns = [
    path("", TrackRecordBoardView.as_view(), name="track-record-board"),
    path("terms/", TermCalibrationView.as_view(), name="track-record-terms"),
    path("articles/<slug:slug>/", ArticleTrackRecordView.as_view(), name="track-record-article"),
    path("authors/<slug:slug>/", AuthorTrackRecordView.as_view(), name="track-record-author"),
    path("speakers/<slug:slug>/", SpeakerTrackRecordView.as_view(), name="track-record-speaker"),
    path("outlets/<slug:slug>/", OutletTrackRecordView.as_view(), name="track-record-outlet"),
]
