import django_filters
from django.db.models import QuerySet

from questions.models import Question


class QuestionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=Question.Status.choices,
        method="filter_status",
        help_text="Derived from the question's times and resolution.",
    )
    tag = django_filters.CharFilter(field_name="tags__slug", help_text="A tag slug.")
    article = django_filters.CharFilter(
        field_name="article__slug", help_text="The slug of the article the question comes from."
    )
    search = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", help_text="Words in the title."
    )

    class Meta:
        model = Question
        fields = ["status", "tag", "article", "search"]

    def filter_status(self, queryset: QuerySet[Question], name: str, value: str):
        return queryset.with_status(value)
