"""Scores of a question, leaderboards and calibration (public, except other forecasters'
calibration and groups, which analysts and staff see), each downloadable as CSV; and the
staff score export."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.gzip import gzip_page
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from accounts.models import User
from accounts.roles import is_analyst
from common.api import CsvExportMixin
from forecasts.selectors import community_history_for, community_visible, questions_forecast_by
from questions.models import Question
from scoring import registry
from scoring.api.serializers import (
    CalibrationBinSerializer,
    CalibrationQuerySerializer,
    CalibrationSerializer,
    CommunityHistorySerializer,
    CommunityQuerySerializer,
    LeaderboardQuerySerializer,
    LeaderboardSerializer,
    QuestionScoresSerializer,
    ScoreExportQuerySerializer,
    ScoreRowSerializer,
    UserScoreSerializer,
)
from scoring.exports import EXPORT_FORMATS, score_rows, scores_render
from scoring.selectors import (
    calibration_for_user,
    calibration_of_scope,
    leaderboard_for,
    scores_for_question,
)

CSV_NOTE = " Add `format=csv` (or send `Accept: text/csv`) to download the table as CSV."


RULES_IN_WORDS = ", ".join(f"`{rule.key}` ({rule.direction})" for rule in registry.rules())
MEAN_RULES = ", ".join(rule.label for rule in registry.rules() if not rule.divides_by_coverage)
COVERAGE_RULES = ", ".join(rule.label for rule in registry.rules() if rule.divides_by_coverage)


def _query(serializer_class: type, request: Request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class QuestionScoresView(CsvExportMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Scores of a resolved question: every forecaster and the community forecast",
        description=(
            "One entry per scored forecaster, best peer score first, with every rule ("
            + RULES_IN_WORDS
            + ") and `participation` / `coverage`. The entry "
            "`community` is the community median scored like a forecaster, so you can see "
            "who beat the crowd; an entry with `is_claim` is an article's direct claim "
            "(`article:<slug>`), a constant forecast at the midpoint of its implied range, "
            "named by `article` and `speaker`, never ranked. Empty until the question is "
            "resolved yes or no and scored." + CSV_NOTE
        ),
        responses={
            (200, "application/json"): QuestionScoresSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The scores."),
            404: OpenApiResponse(description="No such question."),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        question = get_object_or_404(
            Question.objects.visible_to(request.user).select_related("scoring"), slug=slug
        )
        scores = scores_for_question(question=question)
        if self.wants_csv():
            return self.csv_response(
                [{"question": question.slug, **entry} for entry in scores],
                header=["question", *UserScoreSerializer().fields],
                filename=f"scores-{question.slug}.csv",
            )
        scoring = getattr(question, "scoring", None)
        data = {
            "question": question.slug,
            "resolution": question.resolution,
            "scored_days": scoring.scored_days if scoring else 0,
            "crowd_mean": scoring.crowd_mean if scoring else None,
            "rules": {rule.key: rule.description for rule in registry.rules()},
            "scores": scores,
        }
        return Response(QuestionScoresSerializer(data).data)


class LeaderboardView(CsvExportMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="A leaderboard",
        description=(
            "Users ranked on one rule in one scope (all questions, a tag, an article, a "
            "project or tournament, a year of resolutions; or any window of resolution "
            "dates with `resolved_after` / `resolved_before`, computed on request). "
            + MEAN_RULES
            + ": the mean over the questions a user was scored on. "
            + COVERAGE_RULES
            + ": the sum divided by max(30, total coverage), with the plain sum in `total` "
            "(so a forecaster with few questions is pulled toward 0: one question with "
            "coverage 0.5 and a log score of -0.4 is -0.4 / 30 = -0.013 on the board). "
            "`per_question_mean` is the plain mean of the per-question values (`total` / "
            "`questions` for these rules, `value` itself for the mean rules), to read "
            "beside the board's figure. Coverage is the share of a question's scheduled "
            "window the forecasts stood: a question resolved early caps it at the share "
            "of the window before the outcome was known. "
            "Users with fewer than "
            "`min_questions` questions follow the ranked ones with a null rank. Each value "
            "has a 95 % bootstrap interval (questions resampled), and each rank a 95 % "
            "interval. `community` is the community forecast, not ranked." + CSV_NOTE
        ),
        parameters=[LeaderboardQuerySerializer],
        responses={
            (200, "application/json"): LeaderboardSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Every row."),
            400: OpenApiResponse(description='Errors keyed by parameter: {"rule": ["..."]}.'),
        },
    )
    def get(self, request: Request) -> Response:
        query = _query(LeaderboardQuerySerializer, request)
        rule = registry.get(query["rule"])
        csv = self.wants_csv()
        page = leaderboard_for(
            scope=query["scope"],
            rule=rule,
            min_questions=query.get("min_questions"),
            offset=0 if csv else query["offset"],
            limit=10**9 if csv else query["limit"],
            resolved_after=query.get("resolved_after"),
            resolved_before=query.get("resolved_before"),
        )
        if csv:
            rows = [{"scope": page.scope, "rule": rule.key, **asdict(r)} for r in page.rows]
            if page.community is not None:
                rows.append({"scope": page.scope, "rule": rule.key, **asdict(page.community)})
            for row in rows:
                row["user"] = row.pop("username")
            return self.csv_response(
                rows,
                header=["scope", "rule", "rank", "user", "is_community", "value", "total",
                        "questions", "coverage", "ci_low", "ci_high", "rank_low", "rank_high",
                        "per_question_mean"],
                filename=f"leaderboard-{page.scope.replace(':', '-')}-{rule.key}.csv",
            )  # fmt: skip
        url = request.build_absolute_uri()
        offset, limit = query["offset"], query["limit"]
        data = {
            "scope": page.scope,
            "rule": rule.key,
            "rule_description": rule.description,
            "lower_is_better": rule.lower_is_better,
            "min_questions": page.min_questions,
            "ranked": page.ranked,
            "count": page.total,
            "next": (
                replace_query_param(url, "offset", offset + limit)
                if offset + limit < page.total
                else None
            ),
            "previous": (
                None
                if offset == 0
                else (
                    remove_query_param(url, "offset")
                    if offset - limit <= 0
                    else replace_query_param(url, "offset", offset - limit)
                )
            ),
            "built_at": page.built_at,
            "live": page.live,
            "rank_intervals": page.rank_intervals,
            "notes": page.notes,
            "community": page.community,
            "results": page.rows,
        }
        return Response(LeaderboardSerializer(data).data)


class CalibrationView(CsvExportMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Calibration of a scope or a forecaster",
        description=(
            "SCORING.md §6: ten equal-width bins (empty ones included) with weight, counts, "
            "distinct questions, mean forecast, observed frequency and a 95 % Jeffreys "
            "interval; the Murphy decomposition in Brier units (0-2) with the within-bin "
            "terms, so brier = reliability - resolution + uncertainty + "
            "within_bin_variance - within_bin_covariance; ECE; calibration-in-the-large; "
            "logistic recalibration (slope below 1: overconfident); ROC AUC and the curve. "
            "`sufficient` says whether the sample can carry such a verdict: overall, a "
            "total weight of at least `min_forecasts`; on each bin, at least `min_bin`. "
            "Scopes all, tag:, article:, project: are public; group: needs the analyst "
            "role; user:<name> is the forecaster's own or an analyst's. By default only "
            "questions past their scheduled close count (`closed_only=false` for all)." + CSV_NOTE
        ),
        parameters=[CalibrationQuerySerializer],
        responses={
            (200, "application/json"): CalibrationSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The bins."),
            400: OpenApiResponse(description='Errors keyed by parameter: {"scope": ["..."]}.'),
            403: OpenApiResponse(description="Another forecaster's or a group's calibration."),
            404: OpenApiResponse(description="No such forecaster."),
        },
    )
    def get(self, request: Request) -> Response:
        query = _query(CalibrationQuerySerializer, request)
        scope, within = query["scope"], query.get("within")
        weighting, closed_only = query["weighting"], query["closed_only"]
        if isinstance(scope, str):  # user:<username>
            user = User.objects.filter(username=scope[5:]).first()
            if user is None:
                raise NotFound({"scope": [f"No forecaster named {scope[5:]!r}."]})
            if user != request.user and not is_analyst(request.user):
                raise PermissionDenied("Only analysts see another forecaster's calibration.")
            if within is not None and not within.has_calibration:
                raise ValidationError({"within": [f"{within} cannot narrow a calibration."]})
            report = calibration_for_user(
                user=user, weighting=weighting, closed_only=closed_only, within=within
            )
        else:
            if within is not None:
                raise ValidationError({"within": ["Only with scope=user:<username>."]})
            if scope.kind == "group" and not is_analyst(request.user):
                raise PermissionDenied("Only analysts see a group's calibration.")
            report = calibration_of_scope(scope=scope, weighting=weighting, closed_only=closed_only)
        name = str(scope)
        data = {**report, "scope": name, "within": str(within) if within else None}
        if self.wants_csv():
            return self.csv_response(
                [{"scope": name, **row} for row in data["bins"]],
                header=["scope", *CalibrationBinSerializer().fields],
                filename=f"calibration-{name.replace(':', '-')}-{weighting}.csv",
            )
        return Response(CalibrationSerializer(data).data)


class ScoreExportView(APIView):
    permission_classes = [IsAdminUser]

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        # `format` here picks the file type, not DRF's renderer: without this,
        # DRF would answer ?format=csv with 404 before the view runs. Errors
        # are JSON; the file itself is a plain HttpResponse.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        summary="Export scores as a file (staff)",
        operation_id="staff_export_scores",
        description=(
            "Columns question, user, rule, value, coverage; one row per (question, user, "
            "rule) for the rules accuracy, baseline, daily_brier, log and peer. Coverage is "
            "participation for the daily rules and the time coverage for the others; the "
            "community forecast is the user `community`."
        ),
        parameters=[
            OpenApiParameter(
                "question", str, description="A question slug; all questions when left out."
            ),
            OpenApiParameter("format", str, enum=list(EXPORT_FORMATS), default="csv"),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV file."),
            (200, "application/json"): ScoreRowSerializer(many=True),
            (400, "application/json"): OpenApiResponse(
                description='Unknown question or format: {"question": ["..."]}.'
            ),
            (403, "application/json"): OpenApiResponse(description="Not staff."),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        query = ScoreExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        question = query.validated_data.get("question")
        fmt = query.validated_data["format"]
        content = scores_render(score_rows(question=question), fmt=fmt)
        content_type = "text/csv" if fmt == "csv" else "application/json"
        response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
        name = f"scores-{question.slug if question else 'all'}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# A history is long text of numbers, public, and holds no secret: compressed (BREACH needs
# a secret beside text the attacker controls).
@method_decorator(gzip_page, name="dispatch")
class CommunityHistoryView(CsvExportMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The community forecast over time",
        description=(
            "A point at each change of the community forecast (SCORING.md §5), ready for a "
            "chart: `x` is when the value starts to hold, `y` the probability of yes; the "
            "last value holds until `end`. `method` picks the aggregate (median by "
            "default). On a question that hides the community forecast until you forecast, "
            "`hidden` is true and `points` empty until you have forecast (or the question "
            "closes)." + " Add `format=csv` (or send `Accept: text/csv`) to download it."
        ),
        parameters=[CommunityQuerySerializer],
        responses={
            (200, "application/json"): CommunityHistorySerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The points."),
            400: OpenApiResponse(description='Errors keyed by parameter: {"method": ["..."]}.'),
            404: OpenApiResponse(description="No such question."),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        question = get_object_or_404(Question.objects.visible_to(request.user), slug=slug)
        query = CommunityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        now = timezone.now()
        visible = community_visible(
            question=question,
            user=request.user,
            has_forecast=bool(questions_forecast_by(user=request.user, questions=[question])),
            now=now,
        )
        points = (
            community_history_for(
                question=question,
                method=params["method"],
                since=params.get("since"),
                until=params.get("until"),
                max_points=params.get("max_points"),
            )
            if visible
            else []
        )
        if self.wants_csv():
            return self.csv_response(
                [{"at": p.x, "probability": p.y, "forecasters": p.forecasters} for p in points],
                header=["at", "probability", "forecasters"],
                filename=f"community-{question.slug}-{params['method']}.csv",
            )
        end = question.actual_close_time if question.resolution else question.scheduled_close_time
        data = {
            "question": question.slug,
            "method": params["method"],
            "hidden": not visible,
            "end": min(end, now) if not question.resolution else end,
            "points": points,
        }
        return Response(CommunityHistorySerializer(data).data)
