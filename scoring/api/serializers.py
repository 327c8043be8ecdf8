from rest_framework import serializers

from questions.models import Question
from scoring.exports import EXPORT_FORMATS
from scoring.models import Rule

# SCORING.md: the labels every page and answer uses for the two rules.
RULE_DESCRIPTIONS = {
    Rule.DAILY_BRIER.value: "Brier, 0 best, 2 worst",
    Rule.ACCURACY.value: "negative beats the crowd",
}


class RulesSerializer(serializers.Serializer):
    daily_brier = serializers.CharField(help_text="Brier, 0 best, 2 worst")
    accuracy = serializers.CharField(help_text="negative beats the crowd")


class UserScoreSerializer(serializers.Serializer):
    user = serializers.CharField(help_text="Username.")
    participation = serializers.FloatField(
        help_text="Share of the scored days the user was active."
    )
    daily_brier = serializers.FloatField(
        allow_null=True, help_text="Mean daily Brier over active days: 0 best, 2 worst."
    )
    accuracy = serializers.FloatField(
        allow_null=True,
        help_text="(daily Brier - crowd median) x participation: negative beats the crowd.",
    )


class QuestionScoresSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="The question's slug.")
    resolution = serializers.CharField()
    rules = RulesSerializer()
    scores = UserScoreSerializer(many=True, help_text="Best accuracy first.")


class ScoreExportQuerySerializer(serializers.Serializer):
    question = serializers.SlugRelatedField(
        queryset=Question.objects.all(),
        slug_field="slug",
        required=False,
        help_text="A question slug; all questions when left out.",
    )
    format = serializers.ChoiceField(choices=EXPORT_FORMATS, default="csv")


class ScoreRowSerializer(serializers.Serializer):
    question = serializers.CharField()
    user = serializers.CharField()
    rule = serializers.ChoiceField(choices=Rule.choices)
    value = serializers.FloatField()
    coverage = serializers.FloatField()
