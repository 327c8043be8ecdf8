from django.urls import path

from pages.views import questions as views

app_name = "questions"
urlpatterns = [
    path("", views.question_list, name="list"),
    path("questions/<slug:slug>/", views.question_detail, name="detail"),
    path("articles/<slug:slug>/", views.article_detail, name="article"),
]
