import django_filters
from django.db.models import QuerySet

from questions.forms import QuestionSearchField
from questions.models import Question, QuestionQuerySet
from questions.selectors import SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS, questions_search

SEARCH_HELP = (
    "Words separated by spaces; a question matches when each word appears in its title, "
    "background or resolution criteria, ignoring case (the web list's search). At most "
    f"{SEARCH_MAX_WORDS} words and {SEARCH_MAX_LENGTH} characters: more is a 400 naming "
    "`search`."
)


class QuestionSearchFilter(django_filters.CharFilter):
    """The web list's search box as a query parameter: the same field, so the same
    limits and the same error messages."""

    field_class = QuestionSearchField


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
    search = QuestionSearchFilter(method="filter_search", help_text=SEARCH_HELP)

    class Meta:
        model = Question
        fields = ["status", "tag", "article", "search"]

    def filter_status(self, queryset: QuestionQuerySet, name: str, value: str) -> QuestionQuerySet:
        return queryset.with_status(value)

    def filter_search(
        self, queryset: QuerySet[Question], name: str, value: str
    ) -> QuerySet[Question]:
        return questions_search(questions=queryset, text=value)
