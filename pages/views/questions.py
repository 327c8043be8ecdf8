"""Web pages for questions and articles. Views validate and shape; the reads
are the selectors', and every page costs a fixed number of queries however
many questions, forecasts or forecasters it shows."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote
from urllib.parse import urlencode as query_string

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.http import urlencode

from claims.selectors import speakers_of_article
from common.cache import anonymous_cache
from common.forms import choice_field
from common.markdown import markdown_to_html
from common.passages import PassageMark, highlight_passages
from common.templatetags.foreseer import percent, utc
from forecasts.forms import ForecastForm, new_idempotency_key, percent_text
from forecasts.models import Forecast
from forecasts.selectors import (
    CLOSING_SOON,
    SORT_DEFAULT,
    SORT_FORECASTERS,
    SORT_NEWEST,
    SORT_RECENT,
    STATUS_ALL,
    CommunityHistoryPoint,
    HistoryEntry,
    QuestionListFilters,
    community_chart_for,
    community_forecasts_for_viewer,
    community_now,
    community_visible,
    forecast_history_from,
    forecast_spread,
    forecasts_of_user,
    questions_for_list,
    questions_forecast_by,
)
from pages.discussion import discussion_section
from questions.forms import QuestionSearchField
from questions.models import Article, Question
from questions.selectors import articles_in_use, tags_in_use
from scoring import registry
from scoring.score_columns import rule_column, score_columns
from scoring.scorecard import headline, score_card_for, window_before_outcome
from scoring.selectors import ScoresPage, scores_page_for_question
from scoring.selectors.claims import (
    POINT_RULES,
    claim_forecasters_of,
    claims_scored,
    question_claims,
)

QUESTIONS_PER_PAGE = 25
# The chart and its table show at most this many points of the community history; a
# longer history is thinned to the value standing at the end of each slice of time.

STATUS_FILTER_CHOICES = [
    (STATUS_ALL, "All (open first)"),
    (Question.Status.OPEN, "Open"),
    (Question.Status.UPCOMING, "Upcoming"),
    (Question.Status.CLOSED, "Closed, awaiting resolution"),
    (Question.Status.RESOLVED, "Resolved"),
]
SORT_CHOICES = [
    (SORT_DEFAULT, "Open first, closing soonest"),
    (SORT_NEWEST, "Newest"),
    (SORT_FORECASTERS, "Most forecasters"),
    (SORT_RECENT, "Most recently forecast"),
]


# --- The question list ------------------------------------------------------------------


class FlagInput(forms.CheckboxInput):
    """A checkbox that hands its raw value to the field, so a value no checkbox sends
    (`?closing_soon=maybe`) is an error, not silently true."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class FlagField(forms.Field):
    widget = FlagInput
    TRUE = ("1", "on", "true", "yes")
    FALSE = ("", "0", "off", "false", "no")
    default_error_messages = {"invalid": "Tick the box or leave it empty."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.check_test = lambda value: str(value).lower() in self.TRUE

    def to_python(self, value: Any) -> bool:
        if value is None or value is False:
            return False
        if value is True:
            return True
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class QuestionFilterForm(forms.Form):
    q = QuestionSearchField(
        label="Search",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Title, background or criteria"}
        ),
    )
    status = forms.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False, label="Status")
    tag = forms.ChoiceField(required=False, label="Tag")
    article = forms.ChoiceField(required=False, label="Article")
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, label="Sort by")
    closing_soon = FlagField(label="Closing within 7 days")
    unforecast = FlagField(label="Only questions I haven't forecast")

    def __init__(
        self,
        *args: Any,
        tags: list[str],
        articles: list[tuple[str, str]],
        can_filter_mine: bool,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        choice_field(self, "tag").choices = [("", "All tags"), *((slug, slug) for slug in tags)]
        choice_field(self, "article").choices = [("", "All articles"), *articles]
        if not can_filter_mine:
            # "Haven't forecast" means nothing without an account; the page says so instead.
            del self.fields["unforecast"]


def _filters_from_form(form: QuestionFilterForm) -> QuestionListFilters:
    """The valid values of a validated form: an invalid field is left out (and the
    page says why next to it) while the others still apply."""
    data = {key: value for key, value in form.cleaned_data.items() if value}
    return QuestionListFilters(**data)


def _filter_summary(filters: QuestionListFilters, article_titles: dict[str, str]) -> list[str]:
    parts = []
    if filters.q:
        parts.append(f"matching “{filters.q}”")
    if filters.status != STATUS_ALL:
        parts.append(dict(STATUS_FILTER_CHOICES)[filters.status].lower())
    if filters.tag:
        parts.append(f"tagged {filters.tag}")
    if filters.article:
        parts.append(f"from {article_titles.get(filters.article, filters.article)}")
    if filters.closing_soon:
        parts.append("closing within 7 days")
    if filters.unforecast:
        parts.append("not yet forecast by you")
    if filters.sort:
        parts.append(f"sorted by {dict(SORT_CHOICES)[filters.sort].lower()}")
    return parts


@anonymous_cache
def question_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    tags = tags_in_use()
    articles = articles_in_use()
    form = QuestionFilterForm(
        request.GET, tags=tags, articles=articles, can_filter_mine=user.is_authenticated
    )
    # An unknown value: say so next to its control, apply the rest and list the questions.
    http_status = 200 if form.is_valid() else 400
    filters = _filters_from_form(form)

    now = timezone.now()
    paginator = Paginator(
        questions_for_list(filters=filters, user=user, now=now), QUESTIONS_PER_PAGE
    )
    page_obj = paginator.get_page(request.GET.get("page"))
    questions = list(page_obj.object_list)
    # One query each for the whole page, not one per question.
    community = community_forecasts_for_viewer(questions=questions, user=user, now=now)
    mine = questions_forecast_by(user=user, questions=questions)
    rows = [
        {
            "question": question,
            "status": question.status_at(now),
            "community": community[question.pk],
            "forecast_by_me": question.pk in mine,
            "closing_soon": question.is_open_at(now)
            and question.scheduled_close_time <= now + CLOSING_SOON,
        }
        for question in questions
    ]
    context = {
        "filters": form,
        "applied": filters,
        "summary": _filter_summary(filters, dict(articles)),
        "rows": rows,
        "page_obj": page_obj,
        "status": filters.status,
        "tag": filters.tag,
        "mine_needs_login": not user.is_authenticated and "unforecast" in request.GET,
        "login_url": f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}",
    }
    return render(request, "pages/question_list.html", context, status=http_status)


# --- The question page ------------------------------------------------------------------


@anonymous_cache
def question_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return question_detail_page(request, question_for_page(slug, request.user))


def question_for_page(slug: str, user: Any) -> Question:
    """The question, or a 404; a draft only for staff, who see it as a preview."""
    return get_object_or_404(
        Question.objects.visible_to(user)
        .select_related("article__outlet", "successor_of", "scoring", "community_state")
        .prefetch_related("tags", "article__authors"),
        slug=slug,
    )


def _epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _chart_end(question: Question, now: datetime) -> datetime:
    """Where the chart's time axis stops: now while the question is open, its actual
    close after that, its opening before it opens."""
    return max(question.open_time, min(now, question.actual_close_time))


def _chart_data(
    *,
    question: Question,
    history: list[CommunityHistoryPoint],
    my_forecasts: list[Forecast],
    hidden: bool,
    now: datetime,
) -> dict[str, Any]:
    """What the page embeds for the chart (json_script): epoch milliseconds and percents.
    With the community forecast hidden from the viewer, none of it is in the page."""
    end = _chart_end(question, now)
    if history:
        end = max(end, history[-1].x)
    return {
        "start": _epoch_ms(question.open_time),
        "end": _epoch_ms(end),
        "hidden": hidden,
        "community": [
            {
                "x": _epoch_ms(point.x),
                "y": None if point.y is None else round(point.y * 100, 2),
                "n": point.forecasters,
            }
            for point in history
        ],
        "mine": [
            {"x": _epoch_ms(forecast.created_at), "y": round(forecast.probability * 100, 2)}
            for forecast in reversed(my_forecasts)
        ],
    }


def _history_summary(history: list[CommunityHistoryPoint]) -> str:
    """The chart in one sentence, for readers who cannot see it."""
    if not history:
        return ""
    first, last = history[0], history[-1]
    if len(history) == 1:
        return (
            f"The community median has been {percent(first.y)} since {utc(first.x)} "
            f"({first.forecasters} forecaster{'s' if first.forecasters != 1 else ''})."
        )
    values = [point.y for point in history if point.y is not None]
    if not values:
        return ""
    return (
        f"The community median started at {percent(first.y)} on {utc(first.x)} and was "
        f"{percent(last.y)} from {utc(last.x)} ({last.forecasters} "
        f"forecaster{'s' if last.forecasters != 1 else ''}); it ranged from "
        f"{percent(min(values))} to {percent(max(values))} over {len(history)} points."
    )


def _spread_data(question: Question) -> dict[str, Any]:
    """The histogram of standing forecasts (json_script for the chart, and the same counts
    as the table beside it), labelled in whole percents."""
    spread = forecast_spread(question=question)
    labels = [f"{round(low * 100)}–{round(high * 100)}%" for low, high, _ in spread.bins]
    return {
        "labels": labels,
        "counts": spread.counts,
        "forecasters": spread.forecasters,
        "rows": list(zip(labels, spread.counts, strict=True)),
    }


# A sharing card's description: the first sentence, cut at a word near this length.
SHARE_DESCRIPTION_CHARS = 200
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?…])(?:\s|$)")


def share_description(question: Question) -> str:
    """The question in one plain sentence for link previews: the first sentence of the
    background, else of the criteria, with the Markdown rendered away (the template
    escapes it)."""
    for text in (question.background, question.resolution_criteria):
        plain = " ".join(strip_tags(markdown_to_html(text)).split())
        if not plain:
            continue
        # strip_tags leaves entities such as &amp; as they were rendered.
        plain = plain.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        plain = plain.replace("&quot;", '"').replace("&#x27;", "'").replace("&#39;", "'")
        found = _FIRST_SENTENCE.match(plain)
        sentence = found.group(1) if found else plain
        if len(sentence) > SHARE_DESCRIPTION_CHARS:
            sentence = sentence[:SHARE_DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"
        return sentence
    return question.title


def share_url(request: HttpRequest, question: Question) -> str:
    """The question's absolute address: under the configured site address, which links
    in emails use too, else as this request reached the server."""
    path = reverse("questions:detail", args=[question.slug])
    base = getattr(settings, "FORESEER_SITE_URL", "")
    return f"{base.rstrip('/')}{path}" if base else request.build_absolute_uri(path)


# Forecasters a question page lists by name (best peer score first; the viewer's row and
# the community forecast's too): every row is in the CSV and the analysts' page.
SCORES_SHOWN = 50


def _scores_rows(page: ScoresPage, me: str | None) -> tuple[list[dict[str, object]], int]:
    """The table's rows: the head of the board with the community forecast in its place
    by peer score, then the viewer's row if it stands lower; and how many are left out."""
    peer = registry.PEER.key
    rows = [{**row, "is_me": row["user"] == me} for row in page.rows]
    # The community forecast and the articles' claims stand in their places by peer
    # score, unranked.
    apart = [page.community] if page.community is not None else []
    for extra in [*apart, *page.claims]:
        unranked = {**extra, "is_me": False}
        place = next((i for i, row in enumerate(rows) if row[peer] < unranked[peer]), None)
        if place is not None or len(rows) < SCORES_SHOWN:
            rows.insert(len(rows) if place is None else place, unranked)
        else:
            rows.append(unranked)
    if page.mine is not None and not any(row["is_me"] for row in rows):
        rows.append({**page.mine, "is_me": True})
    shown = sum(1 for row in rows if not row["is_community"] and not row["is_claim"])
    return rows, max(0, page.ranked - shown)


def _outcome_context(question: Question, user: Any) -> dict[str, Any]:
    """The resolution events, the scores table and the viewer's card once resolved, and
    the claims the question tracks (with their scores once scored)."""
    events: list[Any] = []
    scores: list[dict[str, object]] = []
    scores_more = 0
    card: list[Any] = []
    score_headline = None
    claims = question_claims(question=question)
    if question.resolution:
        events = list(
            question.resolution_events.select_related("created_by").order_by("created_at", "id")
        )
        if question.is_scorable:
            me = user.username if user.is_authenticated else None
            page = scores_page_for_question(
                question=question,
                username=me,
                limit=SCORES_SHOWN,
                claims=claim_forecasters_of(claims),
            )
            scores, scores_more = _scores_rows(page, me)
            scoring = getattr(question, "scoring", None)
            claims = claims_scored(
                claims,
                question=question,
                rows=page.claims,
                crowd_mean=scoring.crowd_mean if scoring else None,
            )
            if page.rows or page.community is not None:
                score_headline = headline(
                    mine=page.mine,
                    community=page.community,
                    crowd_mean=scoring.crowd_mean if scoring else None,
                    outcome=question.get_resolution_display(),
                )
            if page.mine is not None and page.my_rank is not None:
                card = score_card_for(
                    mine=page.mine,
                    community=page.community,
                    rank=page.my_rank,
                    ranked=page.ranked,
                    crowd_mean=scoring.crowd_mean if scoring else None,
                    scored_days=scoring.scored_days if scoring else None,
                    known_share=window_before_outcome(
                        open_time=question.open_time,
                        scheduled_close=question.scheduled_close_time,
                        known_at=question.known_at,
                    ),
                )

    return {
        "events": events,
        "latest_event": events[-1] if events else None,
        "scores": scores,
        "score_card": card,
        "score_headline": score_headline,
        "claims": claims,
        "community_row": next((row for row in scores if row["is_community"]), None),
        "scores_more": scores_more,
        "scores_ranked_shown": sum(
            1 for row in scores if not row["is_community"] and not row["is_claim"]
        ),
    }


def question_detail_page(
    request: HttpRequest,
    question: Question,
    *,
    form: ForecastForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The detail page; the forecast view re-renders it with a bound form and
    a 400 when the forecast is refused."""
    now = timezone.now()
    user = request.user
    question_status = question.status_at(now)
    community = community_now(question=question)
    # A draft previewed by staff shows the form's place but takes no forecasts.
    accepts_forecasts = (
        question_status == Question.Status.OPEN
        and question.type == Question.Type.BINARY
        and not question.is_draft
    )
    my_forecasts: list[Forecast] = []
    my_history: list[HistoryEntry] = []
    my_standing: Forecast | None = None
    if user.is_authenticated:
        my_forecasts = list(forecasts_of_user(user=user, question=question))
        my_history = forecast_history_from(my_forecasts)
        if my_forecasts and my_forecasts[0].withdrawn_at is None:  # type: ignore[attr-defined]
            my_standing = my_forecasts[0]
        if form is None and accepts_forecasts:
            latest = my_forecasts[0] if my_forecasts else None
            form = ForecastForm(
                initial={"percent": percent_text(latest.probability)} if latest else None
            )
    visible = community_visible(
        question=question, user=user, has_forecast=bool(my_forecasts), now=now
    )
    history: list[CommunityHistoryPoint] = []
    if visible:
        history = community_chart_for(question=question)
    else:
        community = community.hidden_from_viewer()
    clarifications = list(question.clarifications.order_by("created_at", "id"))

    outcome = _outcome_context(question, user)
    address = share_url(request, question)
    context = {
        "question": question,
        "status": question_status,
        "is_open": question_status == Question.Status.OPEN,
        "accepts_forecasts": accepts_forecasts,
        "community": community,
        "history": history,
        "history_summary": _history_summary(history),
        "chart": _chart_data(
            question=question,
            history=history,
            my_forecasts=my_forecasts,
            hidden=not visible,
            now=now,
        ),
        # None when the community forecast is hidden from the viewer: the spread would
        # show it as plainly as the median.
        "spread": _spread_data(question) if visible else None,
        "share_url": address,
        "share_text": f"{question.title} {address}",
        "share_mailto_query": query_string(
            {"subject": question.title, "body": address}, quote_via=quote
        ),
        "share_description": share_description(question),
        "my_forecasts": my_forecasts,
        "my_history": my_history,
        "my_standing": my_standing,
        # One key per rendered button: a double click or a reload that posts again
        # withdraws or reaffirms once.
        "withdraw_key": new_idempotency_key() if my_standing else "",
        "reaffirm_key": new_idempotency_key() if my_standing else "",
        "form": form,
        "clarifications": clarifications,
        **outcome,
        "point_columns": [rule_column(rule) for rule in POINT_RULES],
        "scores_csv_url": reverse("api:question-scores", args=[question.slug]) + "?format=csv",
        "score_columns": score_columns(counts=False),
        "login_url": login_url_for(question),
        "discussion": discussion_section(
            request=request, question=question, my_forecasts=my_forecasts, now=now
        ),
    }
    return render(request, "pages/question_detail.html", context, status=status)


def login_url_for(question: Question) -> str:
    next_url = reverse("questions:detail", args=[question.slug])
    return f"{reverse('login')}?{urlencode({'next': next_url})}"


# --- The article page -------------------------------------------------------------------


@anonymous_cache
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    questions = list(
        article.questions.published()
        .prefetch_related("tags")
        .order_by("scheduled_close_time", "id")
    )
    numbered = list(enumerate(questions, start=1))
    highlighted = highlight_passages(
        article.text,
        [
            PassageMark(
                slug=question.slug,
                passage=question.source_passage,
                url=reverse("questions:detail", args=[question.slug]),
                label=str(number),
            )
            for number, question in numbered
        ],
    )
    now = timezone.now()
    community = community_forecasts_for_viewer(questions=questions, user=request.user, now=now)
    rows = [
        {
            "number": number,
            "question": question,
            "status": question.status_at(now),
            "community": community[question.pk],
            "located": question.slug in highlighted.located,
        }
        for number, question in numbered
    ]
    context = {
        "article": article,
        "text": highlighted.html,
        "rows": rows,
        "speakers": speakers_of_article(article=article),
    }
    return render(request, "pages/article_detail.html", context)
