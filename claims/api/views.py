"""Articles, their claims, speakers and outlets: read by everyone, written by staff.

Anyone may read; only staff write (403 otherwise). Until staff have reviewed them,
proposed and dismissed claims are shown to staff only. Writes are the services' own
(claims.services.review and .people), so a refusal names the field with a 400, exactly
as on the staff pages; they count against the `reviews` rate limit per staff user."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAdminUser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.throttling import BaseThrottle

from accounts.models import User
from accounts.signed_in import signed_in_user
from claims.api.filters import ArticleFilter, ClaimFilter, OutletFilter, SpeakerFilter
from claims.api.serializers import (
    ArticleCreateSerializer,
    ArticleDetailSerializer,
    ArticleListSerializer,
    ClaimSerializer,
    ClaimWriteSerializer,
    DismissSerializer,
    OutletSerializer,
    OutletWriteSerializer,
    ProposedSerializer,
    ProposeSerializer,
    SpeakerSerializer,
    SpeakerWriteSerializer,
)
from claims.models import Claim
from claims.selectors import claims_with_links
from claims.services.people import outlet_create, outlet_update, person_create, person_update
from claims.services.review import (
    AuthorName,
    article_ingest,
    claim_accept,
    claim_create,
    claim_dismiss,
    claim_update,
    claims_propose,
)
from common.api import CsvExportMixin, CSVRenderer, csv_format_parameter, slug_parameter
from common.parsers import StrictJSONParser
from common.throttling import RETRY_AFTER, THROTTLED
from questions.models import Article, Outlet, Person

NOT_STAFF = OpenApiResponse(description="Not staff (or not signed in).")
FIELD_ERRORS = OpenApiResponse(description='Errors keyed by field: {"passage": ["..."]}.')


class StaffWritesViewSet(viewsets.GenericViewSet):
    """Anyone reads; only staff write. (Two of DRF's own permissions rather than one of
    ours: the schema then says which operations need no credentials.)"""

    throttle_scope = "reviews"
    # JSON bodies only: an article's authors are a list of objects, and a form's text
    # would read "0" as a boolean the schema says is true or false.
    parser_classes = [StrictJSONParser]

    def get_permissions(self) -> list[BasePermission]:
        if self.request is not None and self.request.method in SAFE_METHODS:
            return [AllowAny()]
        return [IsAdminUser()]

    def get_throttles(self) -> list[BaseThrottle]:
        # Reading is not limited; writes are, per staff user.
        if self.request.method in SAFE_METHODS:
            return []
        return super().get_throttles()


@contextmanager
def api_field_names() -> Iterator[None]:
    """The services name a claim's speaker `speaker` (as the staff page's form does); the
    API's field for it is `speaker_name`."""
    try:
        yield
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        renamed = {
            ("speaker_name" if field == "speaker" else field): messages
            for field, messages in error.message_dict.items()
        }
        raise DjangoValidationError(renamed) from None


def visible_claims(request: Request) -> QuerySet[Claim]:
    """The claims the requester may read (staff: every one; others: the accepted), with
    what a list shows of each."""
    claims = claims_with_links()
    if not request.user.is_staff:
        claims = claims.filter(status=Claim.Status.ACCEPTED)
    return claims


def _write_responses(ok: Any, code: int = 200) -> dict[int, Any]:
    return {code: ok, 400: FIELD_ERRORS, 403: NOT_STAFF, 429: THROTTLED}


@extend_schema_view(
    list=extend_schema(
        summary="List articles",
        description="Newest publication first; filter by `outlet` and `author` (slugs). A "
        "parameter the list does not take is a 400 naming it.",
    ),
    retrieve=extend_schema(
        summary="One article, with its text and claims",
        parameters=[slug_parameter("article")],
        description="Claims in the order of the text; staff also see proposed and dismissed ones.",
    ),
    create=extend_schema(
        summary="Add an article (staff)",
        description=(
            "Stores the article with its outlet and authors (found by the slug of the "
            "name, created if new) and, unless `propose` is false, proposes its claims. "
            "The same text twice is a 400 naming `text`."
        ),
        parameters=[RETRY_AFTER],
        responses=_write_responses(ArticleDetailSerializer, 201),
    ),
)
class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    StaffWritesViewSet,
):
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filterset_class = ArticleFilter

    def get_queryset(self) -> QuerySet[Article]:
        articles = Article.objects.select_related("outlet").prefetch_related("authors")
        if self.action == "list":
            articles = articles.defer("text")
        return articles.order_by("-publication_date", "title", "id")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "create":
            return ArticleCreateSerializer
        if self.action == "retrieve":
            return ArticleDetailSerializer
        return ArticleListSerializer

    def _detail(self, article: Article, code: int = 200) -> Response:
        claims = visible_claims(self.request).filter(article=article).order_by("start", "id")
        context = {**self.get_serializer_context(), "claims": list(claims)}
        return Response(ArticleDetailSerializer(article, context=context).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ArticleCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        # One transaction: an article whose proposing failed is not left half-reviewed.
        with transaction.atomic():
            article = self._ingest(data)
            if data["propose"]:
                claims_propose(article_id=article.pk)
        article = self.get_queryset().get(pk=article.pk)
        return self._detail(article, status.HTTP_201_CREATED)

    def _ingest(self, data: dict[str, Any]) -> Article:
        return article_ingest(
            title=data["title"],
            text=data["text"],
            publication_date=data["publication_date"],
            precision=data["publication_date_precision"],
            outlet=data["outlet"],
            authors=[AuthorName(a["name"], a.get("affiliation", "")) for a in data["authors"]],
            url=data["url"],
            created_by=signed_in_user(self.request.user),
        )


# A claims list as CSV: one row a claim, the questions tracking it in one cell.
CLAIM_CSV_COLUMNS = [
    "id",
    "article",
    "start",
    "end",
    "speaker",
    "speaker_name",
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
    "questions",
    "passage",
]


def claim_csv_row(claim: dict[str, Any]) -> dict[str, Any]:
    """A claim as the API shows it, flattened: the speaker by slug and name, and each
    published question tracking it as `slug (kind, direction)`, separated by `; `."""
    speaker = claim["speaker"] or {}
    return {
        **{column: claim.get(column) for column in CLAIM_CSV_COLUMNS},
        "speaker": speaker.get("slug"),
        "speaker_name": speaker.get("name"),
        "questions": "; ".join(
            f"{link['question']} ({link['kind']}, {link['direction']})" for link in claim["links"]
        ),
    }


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description=(
            "Filter by `article`, `speaker` (slugs), `status`, `tracking` and `expression`. "
            "Everyone sees accepted claims; staff also see proposed and dismissed ones. "
            "A parameter the list does not take is a 400 naming it. "
            "With `format=csv` (or `Accept: text/csv`), the page as CSV, columns "
            + ", ".join(f"`{column}`" for column in CLAIM_CSV_COLUMNS)
            + " (`questions`: each published question tracking the claim as "
            "`slug (kind, direction)`, separated by `; `); page with `limit` and `offset`."
        ),
        parameters=[csv_format_parameter("the page of claims")],
        responses={
            (200, "application/json"): ClaimSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The page."),
        },
    ),
    retrieve=extend_schema(summary="One claim"),
    create=extend_schema(
        summary="Add a claim by hand (staff)",
        description=(
            "Accepted at once. Give `article` and either `start` and `end` (the passage, if "
            "given, must be the text between them) or the `passage` to look for."
        ),
        request=ClaimWriteSerializer,
        parameters=[RETRY_AFTER],
        responses=_write_responses(ClaimSerializer, 201),
    ),
    partial_update=extend_schema(
        summary="Edit a claim (staff)",
        description=(
            "Fields left out keep their values. A passage given without offsets is looked "
            "for in the text. A tracked claim's passage and range are fixed."
        ),
        request=ClaimWriteSerializer,
        parameters=[RETRY_AFTER],
        responses={
            **_write_responses(ClaimSerializer),
            404: OpenApiResponse(description="No such claim."),
        },
    ),
)
class ClaimViewSet(
    CsvExportMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    StaffWritesViewSet,
):
    filterset_class = ClaimFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Claim]:
        return visible_claims(self.request).order_by(
            "article__publication_date", "article_id", "start", "id"
        )

    def get_renderers(self) -> list[BaseRenderer]:
        # Only the list is a table; one claim, or a write's answer, is JSON. (A method no
        # action takes has no action: it keeps the list's formats and is answered 405.)
        renderers = super().get_renderers()
        if self.action in (None, "list"):
            return renderers
        return [renderer for renderer in renderers if not isinstance(renderer, CSVRenderer)]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        answer = super().list(request, *args, **kwargs)
        if not self.wants_csv():
            return answer
        rows = [claim_csv_row(claim) for claim in answer.data["results"]]
        return self.csv_response(rows, header=CLAIM_CSV_COLUMNS, filename="claims.csv")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action in ("create", "partial_update"):
            return ClaimWriteSerializer
        if self.action == "dismiss":
            return DismissSerializer
        if self.action == "propose":
            return ProposeSerializer
        return ClaimSerializer

    def _claim(self, claim: Claim, code: int = 200) -> Response:
        fresh = visible_claims(self.request).get(pk=claim.pk)
        return Response(
            ClaimSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = ClaimWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        article = given.validated_data.get("article")
        if article is None:
            return Response({"article": ["This field is required."]}, status=400)
        with api_field_names():
            claim = claim_create(
                article_id=article.pk, edit=given.edit(), created_by=signed_in_user(request.user)
            )
        return self._claim(claim, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claim = self.get_object()
        given = ClaimWriteSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        if "article" in given.validated_data:
            return Response({"article": ["A claim stays in its article."]}, status=400)
        with api_field_names():
            claim = claim_update(
                claim_id=claim.pk, edit=given.edit(claim), updated_by=signed_in_user(request.user)
            )
        return self._claim(claim)

    @extend_schema(
        summary="Accept a claim (staff)",
        description="A proposed claim becomes accepted; a dismissed one is restored.",
        request=None,
        parameters=[RETRY_AFTER],
        responses={
            **_write_responses(ClaimSerializer),
            404: OpenApiResponse(description="No such claim."),
        },
    )
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        claim = claim_accept(
            claim_id=self.get_object().pk, accepted_by=signed_in_user(request.user)
        )
        return self._claim(claim)

    @extend_schema(
        summary="Dismiss a claim (staff)",
        description="With a reason. A claim that questions track cannot be dismissed.",
        request=DismissSerializer,
        parameters=[RETRY_AFTER],
        responses={
            **_write_responses(ClaimSerializer),
            404: OpenApiResponse(description="No such claim."),
        },
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        given = DismissSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        claim = claim_dismiss(
            claim_id=claim.pk,
            reason=given.validated_data["reason"],
            dismissed_by=signed_in_user(request.user),
        )
        return self._claim(claim)

    @extend_schema(
        summary="Propose claims for an article (staff)",
        description=(
            "Runs the extractor over the article's text and stores what it finds as "
            "proposed claims. Idempotent: a passage that already has a claim, in any "
            "status, is not proposed again."
        ),
        request=ProposeSerializer,
        parameters=[RETRY_AFTER],
        responses=_write_responses(ProposedSerializer),
        filters=False,
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def propose(self, request: Request) -> Response:
        given = ProposeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        created = claims_propose(article_id=given.validated_data["article"].pk)
        claims = visible_claims(request).filter(pk__in=[claim.pk for claim in created])
        data = ClaimSerializer(list(claims), many=True, context=self.get_serializer_context()).data
        return Response({"created": data})


class _RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    StaffWritesViewSet,
):
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    read_serializer: type[BaseSerializer[Any]]
    write_serializer: type[BaseSerializer[Any]]

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action in ("create", "partial_update"):
            return self.write_serializer
        return self.read_serializer

    def record_create(self, *, by: User, values: dict[str, Any]) -> Any:
        raise NotImplementedError  # each record's service: person_create, outlet_create

    def record_update(self, *, record: Any, by: User, values: dict[str, Any]) -> Any:
        raise NotImplementedError  # each record's service: person_update, outlet_update

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = self.write_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        record = self.record_create(
            by=signed_in_user(request.user), values=dict(given.validated_data)
        )
        return self._read(record, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()
        given = self.write_serializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        values = self._changes(record, given)
        return self._read(
            self.record_update(record=record, by=signed_in_user(request.user), values=values)
        )

    def _read(self, record: Any, code: int = 200) -> Response:
        return Response(
            self.read_serializer(record, context=self.get_serializer_context()).data, status=code
        )

    def _changes(self, record: Person | Outlet, given: BaseSerializer[Any]) -> dict[str, Any]:
        """The fields a PATCH changes. The slug is fixed once created (links and track
        records name it): the same slug again is accepted, another is a 400."""
        values = dict(given.validated_data)
        slug = values.pop("slug", record.slug)
        if slug != record.slug:
            raise DRFValidationError(
                {"slug": [f"Fixed once created: this record stays at {record.slug!r}."]}
            )
        return values


@extend_schema_view(
    list=extend_schema(
        summary="List speakers", description="Authors and the people articles quote."
    ),
    retrieve=extend_schema(summary="One speaker", parameters=[slug_parameter("speaker")]),
    create=extend_schema(
        summary="Add a speaker (staff)",
        request=SpeakerWriteSerializer,
        parameters=[RETRY_AFTER],
        responses=_write_responses(SpeakerSerializer, 201),
    ),
    partial_update=extend_schema(
        summary="Correct a speaker (staff)",
        description="Name, affiliation and URL. The slug stays: another slug is a 400.",
        request=SpeakerWriteSerializer,
        parameters=[RETRY_AFTER, slug_parameter("speaker")],
        responses={
            **_write_responses(SpeakerSerializer),
            404: OpenApiResponse(description="No such speaker."),
        },
    ),
)
class SpeakerViewSet(_RecordViewSet):
    queryset = Person.objects.order_by("name", "id")
    filterset_class = SpeakerFilter
    read_serializer = SpeakerSerializer
    write_serializer = SpeakerWriteSerializer

    def record_create(self, *, by: User, values: dict[str, Any]) -> Person:
        return person_create(created_by=by, **values)

    def record_update(self, *, record: Any, by: User, values: dict[str, Any]) -> Person:
        return person_update(person=record, updated_by=by, **values)


@extend_schema_view(
    list=extend_schema(summary="List outlets"),
    retrieve=extend_schema(summary="One outlet", parameters=[slug_parameter("outlet")]),
    create=extend_schema(
        summary="Add an outlet (staff)",
        request=OutletWriteSerializer,
        parameters=[RETRY_AFTER],
        responses=_write_responses(OutletSerializer, 201),
    ),
    partial_update=extend_schema(
        summary="Correct an outlet (staff)",
        description="Name, URL and description. The slug stays: another slug is a 400.",
        request=OutletWriteSerializer,
        parameters=[RETRY_AFTER, slug_parameter("outlet")],
        responses={
            **_write_responses(OutletSerializer),
            404: OpenApiResponse(description="No such outlet."),
        },
    ),
)
class OutletViewSet(_RecordViewSet):
    queryset = Outlet.objects.order_by("name", "id")
    filterset_class = OutletFilter
    read_serializer = OutletSerializer
    write_serializer = OutletWriteSerializer

    def record_create(self, *, by: User, values: dict[str, Any]) -> Outlet:
        return outlet_create(created_by=by, **values)

    def record_update(self, *, record: Any, by: User, values: dict[str, Any]) -> Outlet:
        return outlet_update(outlet=record, updated_by=by, **values)
