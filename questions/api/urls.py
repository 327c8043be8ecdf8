from django.urls import path

from questions.api.views import QuestionImportView

urlpatterns = [
    path("staff/import/questions/", QuestionImportView.as_view(), name="staff-import-questions"),
]
