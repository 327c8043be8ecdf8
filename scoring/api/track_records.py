"""Track records in the API: an article's, an author's, a quoted speaker's and an outlet's
tracked claims and scores beside the crowd's, each downloadable as CSV; the leaderboard of
speakers, outlets and authors; term calibration. Read for everyone: public data."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from common.api import (
    CsvExportMixin,
    WholeNumberField,
    csv_format_parameter,
    refuse_unknown_parameters,
    slug_parameter,
)
from common.pagination import MAX_OFFSET
from questions.models import Article, Outlet, Person
from scoring.core.track_records import Comparison, Mean, Proportion
from scoring.selectors.track_records import (
    BOARD_KINDS,
    DEFAULT_RULE,
    MAX_PAGE_SIZE,
    SubjectKind,
    TermRow,
    TrackedClaim,
    compared_rule,
    compared_rules,
    leaderboard,
    term_calibration,
    track_record,
    track_record_rows,
)

VERDICTS = ("better", "worse", "unclear")
RULES_IN_WORDS = " and ".join(f"`{rule.key}` ({rule.direction})" for rule in compared_rules())
CSV_NOTE = " Add `format=csv` (or send `Accept: text/csv`) to download it as CSV."


# --- Shapes -----------------------------------------------------------------------------


class MeanSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="The mean; null with no rows.")
    low = serializers.FloatField(allow_null=True, help_text="95 % bootstrap interval.")
    high = serializers.FloatField(allow_null=True)


class ProportionSerializer(serializers.Serializer):
    k = serializers.IntegerField(help_text="Came true.")
    n = serializers.IntegerField(help_text="Resolved yes or no.")
    rate = serializers.FloatField(allow_null=True, help_text="k / n; null when n is 0.")
    low = serializers.FloatField(allow_null=True, help_text="95 % Jeffreys interval.")
    high = serializers.FloatField(allow_null=True)


class ComparisonSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="The rule's key.")
    n = serializers.IntegerField(help_text="Scored claims compared with the crowd.")
    questions = serializers.IntegerField(help_text="Distinct questions among them.")
    record = MeanSerializer(help_text="The mean score of this record's articles.")
    crowd = MeanSerializer(help_text="The community forecast's mean on the same questions.")
    difference = MeanSerializer(help_text="Source minus crowd, paired by question.")
    verdict = serializers.ChoiceField(
        choices=VERDICTS,
        allow_null=True,
        help_text="Whether the difference's interval lies on the better side of 0, the "
        "worse, or straddles it (unclear); null below the minimum-claims line.",
    )


def _mean(mean: Mean) -> dict[str, float | None]:
    return {"value": mean.value, "low": mean.low, "high": mean.high}


def _proportion(p: Proportion) -> dict[str, Any]:
    return {"k": p.k, "n": p.n, "rate": p.rate, "low": p.low, "high": p.high}


def _comparison(rule_key: str, c: Comparison, verdict: str | None) -> dict[str, Any]:
    return {
        "rule": rule_key,
        "n": c.n,
        "questions": c.questions,
        "record": _mean(c.source),
        "crowd": _mean(c.crowd),
        "difference": _mean(c.difference),
        "verdict": verdict,
    }


CLAIM_COLUMNS = [
    "claim",
    "article",
    "outlet",
    "speaker",
    "expression",
    "low",
    "high",
    "table",
    "horizon_text",
    "horizon_end",
    "question",
    "link",
    "direction",
    "resolution",
    "came_true",
]


def claim_columns() -> list[str]:
    """The columns of a track record's CSV, in order: the claim, its question, whether it
    came true, the article's score and the crowd's under each compared rule, the passage."""
    scores = [rule.key for rule in compared_rules()]
    crowd = [f"crowd_{rule.key}" for rule in compared_rules()]
    return [*CLAIM_COLUMNS, *scores, *crowd, "passage"]


class ClaimRowSerializer(serializers.Serializer):
    claim = serializers.IntegerField(help_text="The claim's id.")
    article = serializers.CharField(help_text="The article's slug.")
    outlet = serializers.CharField(allow_null=True, help_text="The outlet's slug.")
    speaker = serializers.CharField(allow_null=True, help_text="The speaker's slug.")
    expression = serializers.CharField(help_text="The likelihood expression as written.")
    low = serializers.FloatField(allow_null=True, help_text="The range the wording implies.")
    high = serializers.FloatField(allow_null=True)
    table = serializers.CharField(help_text="The table that gave the range, or `number`.")
    horizon_text = serializers.CharField()
    horizon_end = serializers.DateField(allow_null=True)
    question = serializers.CharField(help_text="The question's slug.")
    link = serializers.ChoiceField(choices=["direct", "proxy", "successor"])
    direction = serializers.ChoiceField(
        choices=["yes", "no"], help_text="The side of the question the claim speaks for."
    )
    resolution = serializers.CharField(help_text='The question\'s resolution; "" while open.')
    came_true = serializers.BooleanField(
        allow_null=True, help_text="Resolution equals direction; null until yes or no."
    )
    passage = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for rule in compared_rules():
            fields[rule.key] = serializers.FloatField(
                allow_null=True,
                help_text=f"The article's score (direct links only): {rule.description}.",
            )
            fields[f"crowd_{rule.key}"] = serializers.FloatField(
                allow_null=True, help_text=f"The crowd's score on the question: {rule.label}."
            )
        return fields


def claim_row(row: TrackedClaim) -> dict[str, Any]:
    return {
        "claim": row.claim_id,
        "article": row.article_slug,
        "outlet": row.outlet_slug,
        "speaker": row.speaker_slug,
        "expression": row.expression,
        "low": row.low,
        "high": row.high,
        "table": row.table,
        "horizon_text": row.horizon_text,
        "horizon_end": row.horizon_end,
        "question": row.question_slug,
        "link": row.link,
        "direction": row.direction,
        "resolution": row.resolution,
        "came_true": row.came_true,
        "passage": row.passage,
        **{rule.key: row.scores.get(rule.key) for rule in compared_rules()},
        **{f"crowd_{rule.key}": row.crowd.get(rule.key) for rule in compared_rules()},
    }


class SubjectSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["article", "author", "speaker", "outlet"])
    slug = serializers.CharField()
    name = serializers.CharField()
    detail = serializers.CharField(help_text="An affiliation, an outlet and date, or a URL.")


class TrackRecordSerializer(serializers.Serializer):
    subject = SubjectSerializer()
    tracked_claims = serializers.IntegerField(help_text="Claims a question tracks.")
    outcomes = ProportionSerializer(
        help_text="Directly tracked claims whose question resolved yes or no: how many came true."
    )
    min_claims = serializers.IntegerField(help_text="Scored claims a verdict needs.")
    enough = serializers.BooleanField(help_text="Whether any rule reaches the line.")
    comparisons = ComparisonSerializer(many=True)
    count = serializers.IntegerField(help_text="Claim-question links in all.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    claims = ClaimRowSerializer(many=True)


class PageQuerySerializer(serializers.Serializer):
    limit = WholeNumberField(
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        default=50,
        help_text=f"Rows on a page, 1 to {MAX_PAGE_SIZE}.",
    )
    offset = WholeNumberField(
        min_value=0, max_value=MAX_OFFSET, default=0, help_text="Rows to skip before the page."
    )


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The query's parameters, read. One it does not take is a 400 naming it: a misspelt
    `?outlets=` would otherwise answer every outlet's terms as if it were one's."""
    query = serializer_class(data=request.query_params)
    refuse_unknown_parameters(request, [*query.fields, "format"])
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _links(request: Request, offset: int, limit: int, total: int) -> dict[str, str | None]:
    url = request.build_absolute_uri()
    previous = None
    if offset > 0:
        previous = (
            remove_query_param(url, "offset")
            if offset - limit <= 0
            else replace_query_param(url, "offset", offset - limit)
        )
    following = (
        replace_query_param(url, "offset", offset + limit) if offset + limit < total else None
    )
    return {"next": following, "previous": previous}


# --- A track record -------------------------------------------------------------------------


class _RecordView(CsvExportMixin, APIView):
    permission_classes = [AllowAny]
    kind: SubjectKind
    model: type[Article] | type[Person] | type[Outlet]

    def record(self, request: Request, slug: str) -> Response:
        subject = cast(Article | Person | Outlet, get_object_or_404(self.model, slug=slug))
        query = _query(PageQuerySerializer, request)
        if self.wants_csv():
            return self.csv_response(
                [claim_row(row) for row in track_record_rows(kind=self.kind, subject=subject)],
                header=claim_columns(),
                filename=f"track-record-{self.kind}-{subject.slug}.csv",
            )
        record = track_record(
            kind=self.kind, subject=subject, offset=query["offset"], limit=query["limit"]
        )
        data = {
            "subject": asdict(record.subject),
            "tracked_claims": record.tracked_claims,
            "outcomes": _proportion(record.outcomes),
            "min_claims": record.min_claims,
            "enough": record.enough,
            "comparisons": [
                _comparison(item.rule.key, item.comparison, item.verdict)
                for item in record.comparisons
            ],
            "count": record.links,
            **_links(request, query["offset"], query["limit"], record.links),
            "claims": [claim_row(row) for row in record.claims],
        }
        return Response(TrackRecordSerializer(data).data)


def _record_schema(whose: str, what: str, kind: str) -> Any:
    return extend_schema(
        summary=f"The track record of {whose}",
        description=(
            f"{what} Each claim with the question that tracks it (direct, proxy or "
            "successor), the side it speaks for, the outcome, and, for direct links, the "
            "article's score and the crowd's under "
            + RULES_IN_WORDS
            + ". `comparisons`: the mean of each beside the crowd's on the same resolved "
            "questions, with 95 % bootstrap intervals (questions resampled) and a verdict "
            "once `min_claims` scored claims are reached. Claims are paged with `limit` "
            "and `offset`; the CSV holds every claim, its columns "
            + ", ".join(f"`{c}`" for c in CLAIM_COLUMNS)
            + ", the article's score under each rule (by key), the crowd's (`crowd_<key>`) "
            "and `passage`." + CSV_NOTE
        ),
        parameters=[PageQuerySerializer, csv_format_parameter("every claim"), slug_parameter(kind)],
        responses={
            (200, "application/json"): TrackRecordSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Every claim."),
            400: OpenApiResponse(description='Errors keyed by parameter: {"limit": ["..."]}.'),
            404: OpenApiResponse(description="No such record."),
        },
    )


class ArticleTrackRecordView(_RecordView):
    kind = "article"
    model = Article

    @_record_schema("an article", kind="article", what="The claims the article makes.")
    def get(self, request: Request, slug: str) -> Response:
        return self.record(request, slug)


class AuthorTrackRecordView(_RecordView):
    kind = "author"
    model = Person

    @_record_schema(
        "an author", kind="author", what="Every claim in the articles the person wrote."
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.record(request, slug)


class SpeakerTrackRecordView(_RecordView):
    kind = "speaker"
    model = Person

    @_record_schema(
        "a quoted speaker", kind="speaker", what="Every claim attributed to the person."
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.record(request, slug)


class OutletTrackRecordView(_RecordView):
    kind = "outlet"
    model = Outlet

    @_record_schema("an outlet", kind="outlet", what="Every claim in the outlet's articles.")
    def get(self, request: Request, slug: str) -> Response:
        return self.record(request, slug)


# --- The leaderboard ----------------------------------------------------------------------


class BoardQuerySerializer(PageQuerySerializer):
    kind = serializers.ChoiceField(
        choices=BOARD_KINDS, default=BOARD_KINDS[0], help_text="What to rank."
    )
    rule = serializers.ChoiceField(
        choices=[rule.key for rule in compared_rules()], default=DEFAULT_RULE.key
    )


class BoardRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["speaker", "outlet", "author"])
    slug = serializers.CharField()
    name = serializers.CharField()
    detail = serializers.CharField()
    ranked = serializers.BooleanField(help_text="At or above the minimum-claims line.")
    comparison = ComparisonSerializer()


class BoardForecasterSerializer(serializers.Serializer):
    user = serializers.CharField()
    questions = serializers.IntegerField()
    mean = serializers.FloatField()
    crowd = serializers.FloatField(help_text="The crowd's mean on the same questions.")
    difference = serializers.FloatField(help_text="Mean minus crowd.")


class BoardCrowdSerializer(MeanSerializer):
    questions = serializers.IntegerField(help_text="Resolved questions a claim is scored on.")


class BoardSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BOARD_KINDS)
    rule = serializers.CharField()
    rule_description = serializers.CharField()
    lower_is_better = serializers.BooleanField()
    min_claims = serializers.IntegerField()
    ranked = serializers.IntegerField()
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    crowd = BoardCrowdSerializer()
    forecasters = BoardForecasterSerializer(many=True)
    results = BoardRowSerializer(many=True)


BOARD_COLUMNS = [
    "kind",
    "slug",
    "name",
    "rule",
    "ranked",
    "n",
    "questions",
    "mean",
    "mean_low",
    "mean_high",
    "crowd",
    "difference",
    "difference_low",
    "difference_high",
    "verdict",
]


def _board_csv_row(row: dict[str, Any]) -> dict[str, Any]:
    comparison = row["comparison"]
    return {
        **{key: row[key] for key in ("kind", "slug", "name", "ranked")},
        "rule": comparison["rule"],
        "n": comparison["n"],
        "questions": comparison["questions"],
        "mean": comparison["record"]["value"],
        "mean_low": comparison["record"]["low"],
        "mean_high": comparison["record"]["high"],
        "crowd": comparison["crowd"]["value"],
        "difference": comparison["difference"]["value"],
        "difference_low": comparison["difference"]["low"],
        "difference_high": comparison["difference"]["high"],
        "verdict": comparison["verdict"],
    }


class TrackRecordBoardView(CsvExportMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The leaderboard of track records",
        description=(
            "Quoted speakers, outlets or byline authors (`kind`) by their mean difference "
            "with the crowd under `rule` ("
            + RULES_IN_WORDS
            + ") on the questions their claims are scored on, best first; those with fewer "
            "than `min_claims` scored claims follow with `ranked` false. `crowd`: the "
            "community forecast's mean over every question a claim is scored on. "
            "`forecasters`: the best forecasters by the same difference on those questions, "
            "each with at least `min_claims` of them. With `format=csv` (or `Accept: "
            "text/csv`), the page's sources as CSV, columns "
            + ", ".join(f"`{column}`" for column in BOARD_COLUMNS)
            + "."
        ),
        parameters=[BoardQuerySerializer, csv_format_parameter("the page")],
        responses={
            (200, "application/json"): BoardSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The page."),
            400: OpenApiResponse(description='Errors keyed by parameter: {"kind": ["..."]}.'),
        },
    )
    def get(self, request: Request) -> Response:
        query = _query(BoardQuerySerializer, request)
        rule = compared_rule(query["rule"])
        board = leaderboard(
            kind=query["kind"], rule=rule, offset=query["offset"], limit=query["limit"]
        )
        results = [
            {
                "kind": row.kind,
                "slug": row.slug,
                "name": row.name,
                "detail": row.detail,
                "ranked": row.enough,
                "comparison": _comparison(rule.key, row.comparison, row.verdict),
            }
            for row in board.rows
        ]
        if self.wants_csv():
            return self.csv_response(
                [_board_csv_row(row) for row in results],
                header=BOARD_COLUMNS,
                filename=f"track-records-{board.kind}-{rule.key}.csv",
            )
        data = {
            "kind": board.kind,
            "rule": rule.key,
            "rule_description": rule.description,
            "lower_is_better": rule.lower_is_better,
            "min_claims": board.min_claims,
            "ranked": board.ranked,
            "count": board.total,
            **_links(request, query["offset"], query["limit"], board.total),
            "crowd": {**_mean(board.crowd), "questions": board.questions},
            "forecasters": [
                {
                    "user": row.username,
                    "questions": row.n,
                    "mean": row.mean,
                    "crowd": row.crowd,
                    "difference": row.difference,
                }
                for row in board.forecasters
            ],
            "results": results,
        }
        return Response(BoardSerializer(data).data)


# --- Term calibration ---------------------------------------------------------------------


class TermsQuerySerializer(PageQuerySerializer):
    outlet = serializers.SlugField(
        required=False, help_text="An outlet's slug: only its articles' claims."
    )

    def validate_outlet(self, slug: str) -> Outlet:
        outlet = Outlet.objects.filter(slug=slug).first()
        if outlet is None:
            raise serializers.ValidationError(f"No outlet {slug!r}.")
        return outlet


TERM_COLUMNS = [
    "expression",
    "table",
    "k",
    "n",
    "rate",
    "low",
    "high",
    "range_low",
    "range_high",
    "ranges_vary",
    "within_range",
]


class TermRowSerializer(serializers.Serializer):
    expression = serializers.CharField(help_text="Lower case, trimmed.")
    table = serializers.CharField(help_text="The table the claims' range came from.")
    k = serializers.IntegerField(help_text="Claims that came true.")
    n = serializers.IntegerField(help_text="Claims whose direct question resolved yes or no.")
    rate = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True, help_text="95 % Jeffreys interval.")
    high = serializers.FloatField(allow_null=True)
    range_low = serializers.FloatField(allow_null=True, help_text="The table's range.")
    range_high = serializers.FloatField(allow_null=True)
    ranges_vary = serializers.BooleanField(
        help_text="The claims gave it different ranges: the lowest low, the highest high."
    )
    within_range = serializers.BooleanField(
        allow_null=True, help_text="Whether the interval meets the table's range."
    )


class TermsSerializer(serializers.Serializer):
    outlet = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TermRowSerializer(many=True)


def term_row(row: TermRow) -> dict[str, Any]:
    return {
        "expression": row.expression,
        "table": row.table,
        **_proportion(row.outcome),
        "range_low": row.low,
        "range_high": row.high,
        "ranges_vary": row.ranges_vary,
        "within_range": row.within_range,
    }


class TermCalibrationView(CsvExportMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Term calibration",
        description=(
            "For each likelihood expression and table, of the claims using it that a "
            "question tracks directly and that resolved yes or no, how many came true "
            "(the question resolved on the side the claim speaks for), with a 95 % "
            "Jeffreys interval, beside the range the table gives it. Most used first; "
            "`outlet` narrows to one outlet's articles." + CSV_NOTE
        ),
        parameters=[TermsQuerySerializer, csv_format_parameter("the page")],
        responses={
            (200, "application/json"): TermsSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The page."),
            400: OpenApiResponse(description='Errors keyed by parameter: {"outlet": ["..."]}.'),
        },
    )
    def get(self, request: Request) -> Response:
        query = _query(TermsQuerySerializer, request)
        outlet = query.get("outlet")
        terms = term_calibration(outlet=outlet, offset=query["offset"], limit=query["limit"])
        rows = [term_row(row) for row in terms.rows]
        if self.wants_csv():
            suffix = f"-{outlet.slug}" if outlet else ""
            return self.csv_response(
                rows, header=TERM_COLUMNS, filename=f"term-calibration{suffix}.csv"
            )
        data = {
            "outlet": outlet.slug if outlet else None,
            "count": terms.total,
            **_links(request, query["offset"], query["limit"], terms.total),
            "results": rows,
        }
        return Response(TermsSerializer(data).data)
