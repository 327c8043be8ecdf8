"""Shapes of articles, provenance, resolutions and imports in the API. The question
itself, with its community forecast and your forecasts, is shaped in `pages.api`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from common import likelihood
from common.api import SlugRelation, TextTakesText
from questions.models import Article, Question, ResolutionEvent


class ArticleSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["slug", "title"]


class ArticleSerializer(serializers.ModelSerializer):
    outlet = serializers.SerializerMethodField(help_text="The outlet's name, or blank.")
    author = serializers.CharField(read_only=True, help_text="The authors' names, in order.")
    authors = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "outlet",
            "author",
            "authors",
            "publication_date",
            "publication_date_precision",
            "url",
        ]

    def get_outlet(self, article: Article) -> str:
        return article.outlet.name if article.outlet else ""

    def get_authors(self, article: Article) -> list[str]:
        return [person.name for person in article.authors.all()]


class ImpliedProbabilitySerializer(serializers.Serializer):
    low = serializers.FloatField()
    high = serializers.FloatField()
    table = serializers.ChoiceField(choices=likelihood.table_choices())
    term = serializers.CharField(help_text="The article's wording, e.g. 'likely'.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read per instance: the tables are data, and a test may swap the file.
        self.fields["table"].choices = likelihood.table_choices()  # type: ignore[attr-defined]


class ProvenanceSerializer(serializers.Serializer):
    article = ArticleSerializer(allow_null=True)
    passage = serializers.CharField(help_text="The article's words the question is drawn from.")
    implied_probability = ImpliedProbabilitySerializer(
        allow_null=True, help_text="The probability the article's wording implies."
    )
    link = serializers.ChoiceField(
        choices=Question.ProvenanceLink.choices,
        help_text="How the question tracks the article's claim: `direct` links score the "
        "article; `proxy` and `successor` links only refer to it.",
    )
    direction = serializers.ChoiceField(
        choices=Question.ProvenanceDirection.choices,
        help_text="Whether the claim speaks for this question's Yes or its No.",
    )


class ResolutionEventSerializer(serializers.ModelSerializer):
    created_by: SlugRelation[User] = serializers.SlugRelatedField(
        read_only=True, slug_field="username"
    )

    class Meta:
        model = ResolutionEvent
        fields = ["id", "outcome", "known_at", "created_at", "created_by", "note", "evidence_links"]


@extend_schema_field({"type": "string", "format": "date-time"})
class AwareDateTimeField(serializers.DateTimeField):
    """DRF would quietly read a time without an offset in the server's zone; an
    outcome's time is evidence, so it must say which zone it is in."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well formed but no time, e.g. minute 99: refused below
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                raise serializers.ValidationError(
                    "Give a time zone offset, e.g. 2026-01-31T12:00:00Z."
                )
        return super().to_internal_value(value)


class ResolveSerializer(TextTakesText):
    outcome = serializers.ChoiceField(choices=ResolutionEvent.OUTCOME_CHOICES)
    known_at = AwareDateTimeField(
        help_text="When the outcome became known in the world: ISO 8601 with an offset."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    # Checked by question_resolve, which lists every link that is not an http(s) URL
    # with its position; a URLField child would stop the request at the first malformed
    # one and let a well-formed ftp:// link through to be reported on the next try.
    evidence_links = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=list,
        help_text="http(s) URLs; every one that is not is listed with its position.",
    )


class QuestionUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            "A JSON or YAML question file: a list of questions, or a mapping with "
            "`articles` and `questions`. Articles carry their text inline (`text`)."
        )
    )


class QuestionImportReportSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.ListField(child=serializers.CharField())
    articles_created = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()
