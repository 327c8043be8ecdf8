from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api import SlugRelation, TextTakesText
from forecasts.models import MAX_PROBABILITY, MIN_PROBABILITY, RATIONALE_MAX_LENGTH, Forecast
from forecasts.services import probability_places_clean
from questions.models import Question


class ForecastSerializer(serializers.ModelSerializer):
    question: SlugRelation[Question] = serializers.SlugRelatedField(
        read_only=True, slug_field="slug"
    )
    reaffirmed = serializers.BooleanField(
        read_only=True,
        help_text="True when this forecast recorded the previous one anew, unchanged.",
    )
    withdrawn_at = serializers.SerializerMethodField(
        help_text="When you withdrew this forecast (from then on you had no forecast on the "
        "question until your next one); null if you did not."
    )

    class Meta:
        model = Forecast
        fields = [
            "id", "question", "probability", "created_at", "rationale", "origin",
            "reaffirmed", "withdrawn_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_withdrawn_at(self, forecast: Forecast) -> str | None:
        moment = getattr(forecast, "withdrawn_at", None)
        return None if moment is None else serializers.DateTimeField().to_representation(moment)


class WithdrawalSerializer(serializers.Serializer):
    question = serializers.CharField(source="question.slug", help_text="The question's slug.")
    withdrawn_at = serializers.DateTimeField(
        source="created_at", help_text="From this moment you have no forecast on the question."
    )
    origin = serializers.CharField()


@extend_schema_field(
    {
        "type": "number",
        "minimum": MIN_PROBABILITY,
        "maximum": MAX_PROBABILITY,
        "description": (
            "Probability of yes, 0.001 to 0.999, at most 3 decimal places (the web "
            "form's 0.1 % steps); more is a 400 naming the field."
        ),
    }
)
class ProbabilityField(serializers.Field):
    """Hands the raw value to `probability_places_clean`, so the API refuses exactly
    what the web form refuses, with the same message as the importer for what both
    refuse."""

    def to_internal_value(self, data: Any) -> float:
        name = self.field_name
        assert name is not None  # set when the field is bound to its serializer
        try:
            return probability_places_clean(data, field=name)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict[name]) from None

    def to_representation(self, value: Any) -> float:
        return float(value)


class ForecastSubmitSerializer(TextTakesText):
    question = serializers.SlugRelatedField(
        queryset=Question.objects.published(),
        slug_field="slug",
        help_text="The question's slug.",
    )
    probability = ProbabilityField()
    rationale = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=RATIONALE_MAX_LENGTH
    )


class CsvUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV with the header question,user,probability,created_at[,rationale]."
    )


class ForecastImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    already_present = serializers.IntegerField()
    users_created = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()
