import django_filters

from claims.models import Claim


class ClaimFilter(django_filters.FilterSet):
    article = django_filters.CharFilter(field_name="article__slug", help_text="An article's slug.")
    speaker = django_filters.CharFilter(field_name="speaker__slug", help_text="A speaker's slug.")
    status = django_filters.ChoiceFilter(
        choices=Claim.Status.choices,
        help_text="proposed, accepted or dismissed; only staff see other than accepted.",
    )
    expression = django_filters.CharFilter(
        field_name="expression",
        lookup_expr="iexact",
        max_length=200,
        help_text="The likelihood wording as written, ignoring case, e.g. `likely`.",
    )

    class Meta:
        model = Claim
        fields = ["article", "speaker", "status", "expression"]
