"""Shapes of questions in the API, with what other apps add to them. Values that need a
query (the community forecast, the user's own forecasts) are computed by the view for the
whole page and handed in through the context, so serializing never queries."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api import SlugRelation
from common.markdown import markdown_to_html
from forecasts.api.serializers import ForecastSerializer
from forecasts.selectors import CommunityForecast
from questions.api.serializers import (
    ArticleSerializer,
    ArticleSummarySerializer,
    ProvenanceSerializer,
)
from questions.models import Project, Question, Tag


class CommunityForecastSerializer(serializers.Serializer):
    median = serializers.FloatField(
        allow_null=True, help_text="Median of each forecaster's standing probability of yes."
    )
    forecasters = serializers.IntegerField(help_text="Forecasters with a standing forecast.")
    hidden = serializers.BooleanField(
        help_text="True while the question keeps the community forecast from you until you "
        "forecast (median is then null)."
    )
    updating = serializers.BooleanField(
        help_text="True while new forecasts are being added to the community forecast (a "
        "background update, seconds): median and forecasters do not count them yet."
    )


class ForecastSpreadSerializer(serializers.Serializer):
    bins = serializers.ListField(
        child=serializers.FloatField(),
        help_text="The bins' edges as probabilities, from 0 to 1 (one more than `counts`): "
        "bin i holds probabilities from bins[i] up to, not including, bins[i + 1]; the last "
        "bin includes 1.",
    )
    counts = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Forecasters whose standing forecast (their latest) falls in each bin.",
    )


_HTML_NOTE = (
    "Paragraphs, lists, emphasis, quotes, code and http(s)/mailto links with "
    'rel="nofollow noopener"; no other HTML. Empty when the text is.'
)


class QuestionListSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    tags: SlugRelation[Tag] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug"
    )
    # Values only: "" while unresolved. (With the model's labels the schema
    # would give this and `outcome` one enum under two names.)
    resolution = serializers.ChoiceField(choices=Question.Resolution.values, read_only=True)
    community = serializers.SerializerMethodField()
    article = ArticleSummarySerializer(read_only=True, allow_null=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:question-detail", lookup_field="slug")

    class Meta:
        model = Question
        fields = [
            "slug",
            "title",
            "type",
            "status",
            "tags",
            "open_time",
            "scheduled_close_time",
            "scheduled_resolve_time",
            "resolution",
            "known_at",
            "community",
            "article",
            "url",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Question.Status.choices))
    def get_status(self, question: Question) -> str:
        # One clock for the whole response, so a page never mixes two "nows".
        return question.status_at(self.context.get("now") or timezone.now())

    @extend_schema_field(CommunityForecastSerializer)
    def get_community(self, question: Question) -> dict[str, Any]:
        community = self.context["community"].get(question.pk) or CommunityForecast(None, 0)
        return {
            "median": community.median,
            "forecasters": community.forecasters,
            "hidden": community.hidden,
            "updating": community.updating,
        }


class QuestionDetailSerializer(QuestionListSerializer):
    provenance = serializers.SerializerMethodField()
    successor_of: SlugRelation[Question] = serializers.SlugRelatedField(
        read_only=True, slug_field="slug", allow_null=True
    )
    projects: SlugRelation[Project] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="slug"
    )
    my_forecasts = serializers.SerializerMethodField(
        help_text="The requesting user's forecasts, newest first; null when anonymous."
    )
    spread = serializers.SerializerMethodField(
        help_text="How the standing forecasts are spread: a histogram of each forecaster's "
        "latest probability in bins of 0.1; null while the community forecast is hidden from "
        "you (see `community.hidden`)."
    )
    # The texts are Markdown; these give the HTML the question page shows, sanitised,
    # so that a client need not render Markdown to show them the same way.
    background_html = serializers.SerializerMethodField(
        help_text=f"`background` rendered from Markdown to sanitised HTML. {_HTML_NOTE}"
    )
    resolution_criteria_html = serializers.SerializerMethodField(
        help_text=f"`resolution_criteria` rendered from Markdown to sanitised HTML. {_HTML_NOTE}"
    )
    fine_print_html = serializers.SerializerMethodField(
        help_text=f"`fine_print` rendered from Markdown to sanitised HTML. {_HTML_NOTE}"
    )

    class Meta(QuestionListSerializer.Meta):
        fields = [
            *QuestionListSerializer.Meta.fields,
            "background",
            "resolution_criteria",
            "fine_print",
            "background_html",
            "resolution_criteria_html",
            "fine_print_html",
            "resolution_source",
            "provenance",
            "successor_of",
            "community_at_close",
            "forecasters_at_close",
            "hide_community_until_forecast",
            "projects",
            "my_forecasts",
            "spread",
        ]

        extra_kwargs = {
            key: {"help_text": f"{label}, as written: Markdown source ({key}_html renders it)."}
            for key, label in (
                ("background", "Background"),
                ("resolution_criteria", "The resolution criteria"),
                ("fine_print", "Fine print"),
            )
        }

    @extend_schema_field(OpenApiTypes.STR)
    def get_background_html(self, question: Question) -> str:
        return markdown_to_html(question.background)

    @extend_schema_field(OpenApiTypes.STR)
    def get_resolution_criteria_html(self, question: Question) -> str:
        return markdown_to_html(question.resolution_criteria)

    @extend_schema_field(OpenApiTypes.STR)
    def get_fine_print_html(self, question: Question) -> str:
        return markdown_to_html(question.fine_print)

    @extend_schema_field(ProvenanceSerializer(allow_null=True))
    def get_provenance(self, question: Question) -> dict[str, Any] | None:
        if question.article is None and not question.source_passage:
            return None
        implied = None
        if question.implied_probability_low is not None:
            implied = {
                "low": question.implied_probability_low,
                "high": question.implied_probability_high,
                "table": question.implied_probability_table,
                "term": question.implied_probability_term,
            }
        return {
            "article": ArticleSerializer(question.article).data if question.article else None,
            "passage": question.source_passage,
            "implied_probability": implied,
            "link": question.provenance_link,
            "direction": question.provenance_direction,
        }

    @extend_schema_field(ForecastSerializer(many=True, allow_null=True))
    def get_my_forecasts(self, question: Question) -> list[dict[str, Any]] | None:
        forecasts = self.context.get("my_forecasts")
        if forecasts is None:
            return None
        return list(ForecastSerializer(forecasts, many=True).data)

    @extend_schema_field(ForecastSpreadSerializer(allow_null=True))
    def get_spread(self, question: Question) -> dict[str, Any] | None:
        spread = self.context.get("spread")
        if spread is None:
            return None
        return {"bins": spread.edges, "counts": spread.counts}
