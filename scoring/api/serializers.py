"""Shapes of scores, leaderboards and calibration in the API, and the query parameters
each endpoint accepts (validated, so bad input is a 400 naming the parameter)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from common.api import WholeNumberField
from common.pagination import MAX_OFFSET, MAX_PAGE_SIZE
from questions.models import Question
from scoring import registry
from scoring.core import aggregate
from scoring.exports import EXPORT_FORMATS
from scoring.models import CalibrationReport
from scoring.scopes import ALL, Scope, ScopeError
from scoring.score_columns import score_columns


class RuleField(serializers.ChoiceField):
    """A rule's key; the choices are the registry's when the serializer is made."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=registry.choices(), **kwargs)


class RulesSerializer(serializers.Serializer):
    """Each rule's key with what it computes and which way is better."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for rule in registry.rules():
            fields[rule.key] = serializers.CharField(help_text=rule.description)
        return fields


class UserScoreSerializer(serializers.Serializer):
    """One forecaster's scores on a question: a field per rule, named by its key."""

    user = serializers.CharField(
        help_text=(
            "Username; `community` is the community forecast, `article:<slug>` an article's "
            "direct claim."
        )
    )
    is_community = serializers.BooleanField(
        help_text="The community median, scored like a forecaster who never joins the crowd."
    )
    forecasts = serializers.IntegerField(help_text="Forecasts made before the close.")
    participation = serializers.FloatField(
        allow_null=True, help_text="Share of the scored days the user was active."
    )
    active_days = serializers.IntegerField()
    coverage = serializers.FloatField(
        help_text="Share of the scheduled window the user's forecasts stood."
    )
    is_claim = serializers.BooleanField(
        help_text=(
            "An article's direct claim (user `article:<slug>`): a constant forecast at the "
            "midpoint of its implied range, scored like a forecaster, never ranked."
        )
    )
    article = serializers.CharField(
        allow_null=True, help_text="The claim's article (its slug); null for a forecaster."
    )
    speaker = serializers.CharField(
        allow_null=True,
        help_text="Who the claim is attributed to; null for the article's byline or a forecaster.",
    )
    display_name = serializers.CharField(
        help_text="How pages name the row: the username, or the article and its speaker."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        declared = super().get_fields()
        fields = {name: declared.pop(name) for name in ("user", "is_community")}
        # The columns in the order of every table of scores: each rule by what weights it.
        for column in score_columns():
            if column.rule is None:
                fields[column.key] = declared.pop(column.key)
            else:
                fields[column.key] = serializers.FloatField(
                    allow_null=column.rule.nullable, help_text=column.rule.description
                )
        return {**fields, **declared}


class QuestionScoresSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="The question's slug.")
    resolution = serializers.CharField()
    scored_days = serializers.IntegerField(help_text="Full UTC days scored by the daily rules.")
    crowd_mean = serializers.FloatField(
        allow_null=True, help_text="M: mean over days of the crowd's median daily Brier."
    )
    rules = RulesSerializer()
    scores = UserScoreSerializer(many=True, help_text="Best peer score first.")


class ScopeField(serializers.CharField):
    """A scope written `all`, `tag:<slug>`, `article:<slug>`, `project:<slug>`,
    `year:<yyyy>` or `group:<name>`."""

    # DRF's stubs fix a CharField's value type to str; this one parses the text it reads.
    def to_internal_value(self, data: Any) -> Scope:  # type: ignore[override]
        try:
            return Scope.parse(super().to_internal_value(data))
        except ScopeError as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value: Any) -> str:
        return str(value)


class LeaderboardQuerySerializer(serializers.Serializer):
    scope = ScopeField(
        # A Scope, not "all": DRF hands a default to validate_scope unparsed. (DRF's stubs
        # type a CharField's default as text.)
        default=Scope(ALL),  # type: ignore[arg-type]
        help_text="all, tag:<slug>, article:<slug>, project:<slug> or year:<yyyy>.",
    )
    # The web leaderboard's default rule, so both show the same board unasked.
    rule = RuleField(default=registry.DEFAULT.key)
    min_questions = WholeNumberField(
        min_value=0,
        max_value=100_000,
        required=False,
        help_text="Questions needed to be ranked; the others are listed below the line.",
    )
    resolved_after = serializers.DateTimeField(
        required=False, help_text="Only questions whose outcome became known at or after this."
    )
    resolved_before = serializers.DateTimeField(
        required=False, help_text="Only questions whose outcome became known before this."
    )
    limit = WholeNumberField(min_value=1, max_value=MAX_PAGE_SIZE, default=50)
    offset = WholeNumberField(min_value=0, max_value=MAX_OFFSET, default=0)

    def validate_scope(self, scope: Scope) -> Scope:
        if not scope.has_leaderboard:
            raise serializers.ValidationError(
                f"{scope} has calibration but no leaderboard; use all, tag:, article:, "
                "project: or year:."
            )
        return scope

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        after, before = attrs.get("resolved_after"), attrs.get("resolved_before")
        if after and before and after >= before:
            raise serializers.ValidationError(
                {"resolved_before": ["Must be later than resolved_after."]}
            )
        return attrs


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(
        allow_null=True, help_text="1 is best; null below the minimum-participation line."
    )
    user = serializers.CharField(source="username")
    is_community = serializers.BooleanField()
    value = serializers.FloatField(
        help_text="Mean over questions (accuracy, daily Brier) or sum / max(30, coverage)."
    )
    total = serializers.FloatField(
        allow_null=True, help_text="Plain sum over questions (peer, baseline, log)."
    )
    questions = serializers.IntegerField()
    coverage = serializers.FloatField(
        help_text="Total coverage (peer, baseline, log) or mean participation."
    )
    ci_low = serializers.FloatField(allow_null=True, help_text="95 % bootstrap interval.")
    ci_high = serializers.FloatField(allow_null=True)
    rank_low = serializers.IntegerField(
        allow_null=True, help_text="95 % bootstrap interval of the rank."
    )
    rank_high = serializers.IntegerField(allow_null=True)
    per_question_mean = serializers.FloatField(
        allow_null=True,
        help_text="The plain mean of the per-question values: `total` / `questions` for the "
        "rules divided by max(30, coverage) (peer, baseline, log), `value` itself for the "
        "mean rules. Shown beside `value`, which pulls forecasters with little coverage "
        "toward 0.",
    )


class LeaderboardSerializer(serializers.Serializer):
    scope = serializers.CharField()
    rule = serializers.CharField()
    rule_description = serializers.CharField()
    lower_is_better = serializers.BooleanField()
    min_questions = WholeNumberField()
    ranked = serializers.IntegerField(help_text="Users above the line.")
    count = serializers.IntegerField(help_text="Users above and below the line.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    built_at = serializers.DateTimeField(allow_null=True)
    live = serializers.BooleanField(
        help_text="Computed on request (a date window) rather than read from the table."
    )
    rank_intervals = serializers.BooleanField(
        help_text="Whether rank intervals are given (only for the materialized line)."
    )
    notes = serializers.ListField(child=serializers.CharField())
    community = LeaderboardRowSerializer(allow_null=True)
    results = LeaderboardRowSerializer(many=True)


class CalibrationQuerySerializer(serializers.Serializer):
    scope = serializers.CharField(
        default="all",
        help_text="all, tag:<slug>, article:<slug>, project:<slug>, group:<name> or "
        "user:<username>.",
    )
    within = ScopeField(
        required=False,
        help_text="With scope=user:<name>: only that scope's questions (e.g. tag:nuclear).",
    )
    weighting = serializers.ChoiceField(
        choices=CalibrationReport.Weighting.values,
        default=CalibrationReport.Weighting.TIME.value,
        help_text="time: each (user, question) split by how long each forecast stood; "
        "last: the last forecast before the close.",
    )
    closed_only = serializers.BooleanField(
        default=True,
        help_text="Only questions whose scheduled close has passed (early 'yes' resolutions "
        "would bias the picture otherwise).",
    )

    def validate_scope(self, value: str) -> Scope | str:
        if value.startswith("user:"):
            if not value[5:]:
                raise serializers.ValidationError("user:<username> needs a username.")
            return value
        try:
            scope = Scope.parse(value)
        except ScopeError as error:
            raise serializers.ValidationError(str(error)) from None
        if not scope.has_calibration:
            raise serializers.ValidationError(
                f"{scope} has a leaderboard but no calibration; use all, tag:, article:, "
                "project:, group: or user:."
            )
        return scope


class CalibrationBinSerializer(serializers.Serializer):
    lower = serializers.FloatField()
    upper = serializers.FloatField()
    weight = serializers.FloatField(help_text="n: total weight of the forecasts in the bin.")
    count = serializers.IntegerField(help_text="Forecasts in the bin.")
    questions = serializers.IntegerField(help_text="Distinct questions in the bin.")
    mean_forecast = serializers.FloatField(allow_null=True)
    observed = serializers.FloatField(allow_null=True, help_text="Observed frequency k/n.")
    hits = serializers.FloatField(help_text="k: weight of the forecasts that resolved yes.")
    ci_low = serializers.FloatField(allow_null=True, help_text="95 % Jeffreys interval.")
    ci_high = serializers.FloatField(allow_null=True)
    sufficient = serializers.BooleanField(
        help_text="Whether the bin's weight reaches FORESEER_CALIBRATION_MIN_BIN (the "
        "report's `min_bin`): below it the bin's observed frequency is too uncertain to "
        "read as over- or underconfidence (see its interval)."
    )


class RocCurveSerializer(serializers.Serializer):
    fpr = serializers.ListField(child=serializers.FloatField(allow_null=True))
    tpr = serializers.ListField(child=serializers.FloatField(allow_null=True))
    threshold = serializers.ListField(child=serializers.FloatField(allow_null=True))


class CalibrationSerializer(serializers.Serializer):
    scope = serializers.CharField()
    within = serializers.CharField(allow_null=True)
    weighting = serializers.CharField()
    closed_only = serializers.BooleanField()
    built_at = serializers.DateTimeField(allow_null=True)
    live = serializers.BooleanField(help_text="Computed on request (one forecaster).")
    level = serializers.FloatField()
    weight = serializers.FloatField(help_text="N: total weight.")
    count = serializers.IntegerField()
    questions = serializers.IntegerField()
    base_rate = serializers.FloatField(allow_null=True)
    mean_forecast = serializers.FloatField(allow_null=True)
    brier = serializers.FloatField(allow_null=True, help_text="Brier, 0 best, 2 worst.")
    reliability = serializers.FloatField(allow_null=True)
    resolution = serializers.FloatField(allow_null=True)
    uncertainty = serializers.FloatField(allow_null=True)
    within_bin_variance = serializers.FloatField(allow_null=True)
    within_bin_covariance = serializers.FloatField(allow_null=True)
    ece = serializers.FloatField(allow_null=True)
    calibration_in_the_large = serializers.FloatField(allow_null=True)
    log_loss = serializers.FloatField(allow_null=True)
    recalibration_intercept = serializers.FloatField(allow_null=True)
    recalibration_slope = serializers.FloatField(
        allow_null=True, help_text="Below 1: overconfident."
    )
    roc_auc = serializers.FloatField(allow_null=True)
    roc_curve = RocCurveSerializer()
    bins = CalibrationBinSerializer(many=True)
    sufficient = serializers.BooleanField(
        help_text="Whether the total weight reaches FORESEER_CALIBRATION_MIN_FORECASTS "
        "(`min_forecasts`). When false the figures are given but carry no verdict: the "
        "recalibration slope and calibration-in-the-large of a small sample are mostly "
        "noise."
    )
    min_forecasts = serializers.IntegerField(
        help_text="The total weight a report needs to be `sufficient`."
    )
    min_bin = serializers.IntegerField(help_text="The weight a bin needs to be `sufficient`.")


class ScoreExportQuerySerializer(serializers.Serializer):
    question = serializers.SlugRelatedField(
        queryset=Question.objects.published(),
        slug_field="slug",
        required=False,
        help_text="A question slug; all questions when left out.",
    )
    format = serializers.ChoiceField(choices=EXPORT_FORMATS, default="csv")


class ScoreRowSerializer(serializers.Serializer):
    question = serializers.CharField()
    user = serializers.CharField()
    rule = RuleField()
    value = serializers.FloatField()
    coverage = serializers.FloatField()


# --- The community forecast's history ------------------------------------------------


# A long history (a point at every change: 98,510 points for a question with 100,000
# forecasts) is thinned: what a chart can show, not megabytes per request.
COMMUNITY_DEFAULT_POINTS = 1_000
COMMUNITY_MAX_POINTS = 10_000


class CommunityQuerySerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=list(aggregate.METHODS),
        default=aggregate.MEDIAN,
        help_text="median (the default shown to forecasters), mean, geometric_mean_odds, "
        "extremized_log_odds or recency_weighted_median (SCORING.md §5).",
    )
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)
    max_points = WholeNumberField(
        min_value=2,
        max_value=COMMUNITY_MAX_POINTS,
        default=COMMUNITY_DEFAULT_POINTS,
        help_text=f"Thin the step line to at most this many points (the last point of each "
        f"equal slice of time is kept); {COMMUNITY_DEFAULT_POINTS} unless asked, at most "
        f"{COMMUNITY_MAX_POINTS}.",
    )


class CommunityPointSerializer(serializers.Serializer):
    x = serializers.DateTimeField(help_text="When this value starts to hold.")
    y = serializers.FloatField(
        allow_null=True,
        help_text="Community probability of yes; null while every forecaster has withdrawn.",
    )
    forecasters = serializers.IntegerField()


class CommunityHistorySerializer(serializers.Serializer):
    question = serializers.CharField()
    method = serializers.CharField()
    hidden = serializers.BooleanField(
        help_text="True while this question hides the community forecast until you forecast."
    )
    end = serializers.DateTimeField(help_text="The last value holds until this moment.")
    points = CommunityPointSerializer(many=True)
