import django_filters
from django.db.models import QuerySet

from claims.models import Claim
from common.api import unknown_parameters
from questions.models import Article, Outlet, Person

# Read by the paging and the content negotiation, not by the filters.
NOT_FILTERS = ("limit", "offset", "format")


class StrictFilterSet(django_filters.FilterSet):
    """A list's filters, where a parameter the list does not take is a 400 naming it. A
    misspelt filter (`?speakers=`) would otherwise be ignored, and the whole list
    answered as if it had matched."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        unknown = unknown_parameters(self.data or {}, [*self.filters, *NOT_FILTERS])
        for name, messages in unknown.items():
            self.form.errors[name] = self.form.error_class(messages)
        return valid and not unknown


class ArticleFilter(StrictFilterSet):
    outlet = django_filters.CharFilter(field_name="outlet__slug", help_text="An outlet's slug.")
    author = django_filters.CharFilter(
        field_name="bylines__person__slug", help_text="An author's slug."
    )

    class Meta:
        model = Article
        fields = ["outlet", "author"]


class SpeakerFilter(StrictFilterSet):
    class Meta:
        model = Person
        fields: list[str] = []


class OutletFilter(StrictFilterSet):
    class Meta:
        model = Outlet
        fields: list[str] = []


class ClaimFilter(StrictFilterSet):
    article = django_filters.CharFilter(field_name="article__slug", help_text="An article's slug.")
    speaker = django_filters.CharFilter(field_name="speaker__slug", help_text="A speaker's slug.")
    status = django_filters.ChoiceFilter(
        choices=Claim.Status.choices,
        help_text="proposed, accepted or dismissed; only staff see other than accepted.",
    )
    tracking = django_filters.ChoiceFilter(
        choices=Claim.Tracking.choices,
        method="filter_tracking",
        help_text="proposed, untracked (accepted, no published question tracks it), "
        "tracked or dismissed; only staff see proposed and dismissed claims.",
    )
    expression = django_filters.CharFilter(
        field_name="expression",
        lookup_expr="iexact",
        max_length=200,
        help_text="The likelihood wording as written, ignoring case, e.g. `likely`.",
    )

    class Meta:
        model = Claim
        fields = ["article", "speaker", "status", "tracking", "expression"]

    def filter_tracking(self, claims: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return claims.filter(Claim.tracking_filter(value))
