"""Shapes of articles, claims, speakers and outlets in the API. Reads nest what a client
needs to show a claim (its speaker, its article's slug, the questions tracking it);
writes take plain fields and hand them to the services, whose errors name the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import Claim, ClaimLink
from claims.services.review import (
    ARTICLE_MAX_AUTHORS,
    ARTICLE_TEXT_MAX_LENGTH,
    DISMISS_REASON_MAX_LENGTH,
    ClaimEdit,
    known_tables,
)
from common.api import SlugRelation, StrictBooleanField, TextTakesText
from common.db import max_length
from questions.models import Article, Outlet, Person, Question


# For a write's body: a key that is no field of the request is a 400 naming it. DRF would
# drop it without a word, so `{"status": "dismissed"}` would answer 200 and change
# nothing. `hints` say where such a change is made instead. (Comments, not a docstring:
# drf-spectacular would describe every subclass's schema with it.)
class KnownFieldsOnly(serializers.Serializer):
    hints: Mapping[str, str] = {}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                takes = ", ".join(self.fields)
                raise serializers.ValidationError(
                    {
                        name: [
                            self.hints.get(name, f"Not a field of this request; it takes {takes}.")
                        ]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class OutletSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True, help_text="The outlet's own site, or blank.")
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:outlet-detail", lookup_field="slug"
    )

    class Meta:
        model = Outlet
        fields = ["slug", "name", "url", "description", "api_url"]


class SpeakerSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True, help_text="A page about the person, or blank.")
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:speaker-detail", lookup_field="slug"
    )

    class Meta:
        model = Person
        fields = ["slug", "name", "affiliation", "url", "api_url"]


class PersonSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["slug", "name", "affiliation"]


class OutletWriteSerializer(KnownFieldsOnly, TextTakesText):
    slug = serializers.SlugField(
        required=False, allow_blank=True, max_length=max_length(Outlet, "slug"),
        help_text="Made from the name when left out; fixed once created.",
    )  # fmt: skip
    name = serializers.CharField(max_length=max_length(Outlet, "name"))
    url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class SpeakerWriteSerializer(KnownFieldsOnly, TextTakesText):
    slug = serializers.SlugField(
        required=False, allow_blank=True, max_length=max_length(Person, "slug"),
        help_text="Made from the name when left out; fixed once created.",
    )  # fmt: skip
    name = serializers.CharField(max_length=max_length(Person, "name"))
    affiliation = serializers.CharField(
        required=False, allow_blank=True, max_length=max_length(Person, "affiliation")
    )
    url = serializers.URLField(required=False, allow_blank=True, max_length=500)


class ClaimLinkSerializer(serializers.ModelSerializer):
    question: SlugRelation[Question] = serializers.SlugRelatedField(
        read_only=True, slug_field="slug"
    )

    class Meta:
        model = ClaimLink
        fields = ["question", "kind", "direction"]


class ClaimSerializer(serializers.ModelSerializer):
    article: SlugRelation[Article] = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    speaker = PersonSummarySerializer(read_only=True, allow_null=True)
    links = serializers.SerializerMethodField(
        help_text="The published questions that track the claim, and how."
    )
    tracking = serializers.ChoiceField(
        choices=Claim.Tracking.choices,
        read_only=True,
        help_text="Where the claim stands: `proposed` (awaiting review), `untracked` "
        "(accepted, no published question tracks it), `tracked` (by the questions in "
        "`links`) or `dismissed` (see `dismissed_reason`).",
    )
    api_url = serializers.HyperlinkedIdentityField(view_name="api:claim-detail")

    class Meta:
        model = Claim
        fields = [
            "id",
            "article",
            "passage",
            "start",
            "end",
            "speaker",
            "expression",
            "low",
            "high",
            "table",
            "horizon_text",
            "horizon_start",
            "horizon_end",
            "status",
            "tracking",
            "dismissed_reason",
            "links",
            "api_url",
        ]

    @extend_schema_field(ClaimLinkSerializer(many=True))
    def get_links(self, claim: Claim) -> list[dict[str, Any]]:
        # Drafts are staff's work in progress: the API shows them to nobody.
        links = [link for link in claim.links.all() if not link.question.is_draft]
        return list(ClaimLinkSerializer(links, many=True).data)


class ClaimWriteSerializer(KnownFieldsOnly, TextTakesText):
    """A claim's editable fields. On create the article is required and either the
    offsets or the passage (looked for in the text); on update, fields left out keep
    their values."""

    hints = {
        "status": "Accept or dismiss the claim with POST to its accept/ or dismiss/.",
        "dismissed_reason": "Give the reason when dismissing, with POST to its dismiss/.",
        "speaker": "Name the speaker with `speaker_name` (and `speaker_affiliation`).",
        "tracking": "A claim is tracked by questions that link to it in their provenance.",
        "links": "A claim is tracked by questions that link to it in their provenance.",
    }
    article = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Article.objects.defer("text"),
        required=False,
        help_text="The article's slug (on create only).",
    )
    passage = serializers.CharField(
        required=False, trim_whitespace=False, max_length=ARTICLE_TEXT_MAX_LENGTH,
        help_text="Character for character as in the article's text at start..end.",
    )  # fmt: skip
    start = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    end = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    expression = serializers.CharField(
        required=False, allow_blank=True, max_length=max_length(Claim, "expression")
    )
    low = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1)
    high = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1)
    table = serializers.CharField(
        required=False, allow_blank=True, max_length=max_length(Claim, "table"),
        help_text="A likelihood table's key, or `number` for a stated figure: "
        + ", ".join(known_tables()),
    )  # fmt: skip
    horizon_text = serializers.CharField(
        required=False, allow_blank=True, max_length=max_length(Claim, "horizon_text")
    )
    horizon_start = serializers.DateField(required=False, allow_null=True)
    horizon_end = serializers.DateField(required=False, allow_null=True)
    speaker_name = serializers.CharField(
        required=False, allow_blank=True, max_length=max_length(Person, "name"),
        help_text="Who makes the claim; blank for nobody. A new name becomes a new speaker.",
    )  # fmt: skip
    speaker_affiliation = serializers.CharField(
        required=False, allow_blank=True, max_length=max_length(Person, "affiliation")
    )

    def edit(self, claim: Claim | None = None) -> ClaimEdit:
        """The claim as it will be: the fields given over its current ones."""
        data = dict(self.validated_data)
        data.pop("article", None)
        if "speaker_name" in data:
            data["speaker"] = data.pop("speaker_name")
        current = ClaimEdit.of(claim).__dict__ if claim is not None else {"passage": ""}
        if claim is not None and "passage" in data and not {"start", "end"} & set(data):
            # A new passage without offsets is looked for in the text.
            data.update(start=None, end=None)
        return ClaimEdit(**{**current, **data})


class DismissSerializer(KnownFieldsOnly, TextTakesText):
    reason = serializers.CharField(max_length=DISMISS_REASON_MAX_LENGTH)


class ProposeSerializer(KnownFieldsOnly, TextTakesText):
    article = serializers.SlugRelatedField(
        slug_field="slug", queryset=Article.objects.defer("text"), help_text="The article's slug."
    )


class ProposedSerializer(serializers.Serializer):
    created = ClaimSerializer(many=True, help_text="The claims proposed now (none on a re-run).")


class ArticleListSerializer(serializers.ModelSerializer):
    outlet = OutletSerializer(read_only=True, allow_null=True)
    url = serializers.CharField(read_only=True, help_text="Where it was published, or blank.")
    authors = PersonSummarySerializer(many=True, read_only=True)
    api_url = serializers.HyperlinkedIdentityField(
        view_name="api:article-detail", lookup_field="slug"
    )

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "outlet",
            "authors",
            "publication_date",
            "publication_date_precision",
            "url",
            "api_url",
        ]


class ArticleDetailSerializer(ArticleListSerializer):
    claims = serializers.SerializerMethodField(
        help_text="Its claims in the order of the text; proposed ones only to staff."
    )

    class Meta(ArticleListSerializer.Meta):
        fields = [*ArticleListSerializer.Meta.fields, "text", "text_sha256", "claims"]

    @extend_schema_field(ClaimSerializer(many=True))
    def get_claims(self, article: Article) -> list[dict[str, Any]]:
        claims = self.context["claims"]
        return list(ClaimSerializer(claims, many=True, context=self.context).data)


class AuthorWriteSerializer(KnownFieldsOnly, TextTakesText):
    name = serializers.CharField(max_length=max_length(Person, "name"))
    affiliation = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(Person, "affiliation")
    )


class ArticleCreateSerializer(KnownFieldsOnly, TextTakesText):
    title = serializers.CharField(max_length=max_length(Article, "title"))
    text = serializers.CharField(max_length=ARTICLE_TEXT_MAX_LENGTH, trim_whitespace=False)
    publication_date = serializers.DateField()
    publication_date_precision = serializers.ChoiceField(
        choices=Article.DatePrecision.choices, required=False, default=Article.DatePrecision.DAY
    )
    outlet = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length(Outlet, "name"),
        help_text="The outlet's name: found by its slug, created if new.",
    )  # fmt: skip
    authors: serializers.ListSerializer[dict[str, Any]] = serializers.ListSerializer(
        child=AuthorWriteSerializer(),
        required=False,
        default=list,
        max_length=ARTICLE_MAX_AUTHORS,
        help_text=f"In byline order; at most {ARTICLE_MAX_AUTHORS}.",
    )
    url = serializers.URLField(required=False, allow_blank=True, default="", max_length=500)
    propose = StrictBooleanField(
        required=False, default=True, help_text="Propose claims from the text at once."
    )
