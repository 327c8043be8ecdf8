"""Forms of the staff pages (and the Django admin's resolve form), and the search field
the question list and the API share. They only shape input: the rules live in the
services (`question_resolve`, `clarification_add`) and, for a question's own fields, in
`questions.validation`, which drafts and question files share; the views put their errors
on these fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Self

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from common import likelihood
from common.db import max_length
from common.forms import UTCDateTimeField
from questions.models import Article, Project, Question
from questions.selectors import SEARCH_MAX_LENGTH, SEARCH_MAX_WORDS
from questions.services import (
    CLARIFICATION_MAX_LENGTH,
    RESOLUTION_OUTCOMES,
    QuestionDraft,
)
from questions.validation import AUTHORED_TYPES

OUTCOME_CHOICES = [
    (value, label) for value, label in Question.Resolution.choices if value in RESOLUTION_OUTCOMES
]


class QuestionSearchField(forms.CharField):
    """The text `questions_search` looks for, held to its limits: at most
    SEARCH_MAX_LENGTH characters once trimmed, and SEARCH_MAX_WORDS words. The web
    list's search box and the API's `search` parameter are both this field, so they
    accept and refuse the same text. Cleaned, the words are joined by single spaces."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        words = super().clean(value).split()
        if len(words) > SEARCH_MAX_WORDS:
            raise ValidationError(f"Search for at most {SEARCH_MAX_WORDS} words.", code="max_words")
        return " ".join(words)


# datetime-local inputs, to the second (the site's time zone is UTC).
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"


# What a form that carries an altered `seen_event` shows; no page of ours sends one.
SEEN_EVENT_INVALID = (
    "The form's record of the resolution you reviewed is not valid: check the resolution "
    "now in force and submit again."
)


class QuestionResolveForm(forms.Form):
    """Resolving or correcting a question, on the staff page and in the Django admin.

    `seen_event` is hidden: the id of the latest resolution event when the form was
    shown (0 for none). Passed to `question_resolve` as `expected_latest_event`, it
    turns a resolution or correction that another resolver entered in between into
    ResolutionChanged (checked under the question's lock) instead of an overwrite; the
    page then shows the state now in force and asks again (`asked_again`)."""

    outcome = forms.ChoiceField(choices=OUTCOME_CHOICES, widget=forms.RadioSelect)
    known_at = UTCDateTimeField(
        label="Known at (UTC)",
        help_text=(
            "When the outcome became known in the world, in UTC. It may be in the past; "
            "forecasts made at or after it are not scored."
        ),
        # The site's time zone is UTC, so a time without an offset is read as UTC.
        # Seconds shown and kept: a correction that only adds a note must not move
        # known_at back to the minute and drop forecasts made in those seconds.
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format=DATETIME_LOCAL_FORMAT
        ),
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_links = forms.CharField(
        label="Evidence links",
        required=False,
        help_text="One http(s) URL per line.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Missing is "reviewed no event" (0): a submission without it resolves a question
    # nobody has resolved, and is asked again about one that has been.
    seen_event = forms.IntegerField(
        required=False,
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"invalid": SEEN_EVENT_INVALID, "min_value": SEEN_EVENT_INVALID},
    )

    @staticmethod
    def initial_for(*, question: Question, latest_event: int) -> dict[str, Any]:
        """The form as first shown: the resolution in force to start a correction
        from, and `latest_event` (the id of the newest event, 0 for none) as reviewed."""
        initial: dict[str, Any] = {"seen_event": latest_event}
        if question.resolution:
            initial.update(outcome=question.resolution, known_at=question.known_at)
        return initial

    def clean_evidence_links(self) -> list[str]:
        text = self.cleaned_data.get("evidence_links") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def seen_event_invalid(self) -> bool:
        """A `seen_event` no page sends (not a whole number, or negative)."""
        return self.has_error("seen_event")

    def expected_latest_event(self) -> int:
        """For `question_resolve(expected_latest_event=...)`, once the form is valid."""
        return self.cleaned_data.get("seen_event") or 0

    def asked_again(self, *, latest_event: int) -> Self:
        """The same entry, bound again with `latest_event` as the event reviewed: for
        the page that shows the resolution now in force and asks to confirm against it."""
        data = QueryDict(mutable=True)
        data.update(self.data)
        data["seen_event"] = str(latest_event)
        form = type(self)(data)
        form.is_valid()
        return form


class ManageResolveForm(QuestionResolveForm):
    """The staff resolve page's form. Its confirmation step carries the same fields
    hidden, `seen_event` among them: if someone resolved or corrected the question in
    between, the page asks again instead of confirming a change that was described
    against an older state."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["outcome"].label = "Outcome"
        self.fields["known_at"].widget.attrs["aria-describedby"] = "id_known_at_helptext"
        self.fields["evidence_links"].widget.attrs["placeholder"] = "https://…"

    def clean_note(self) -> str:
        # Browsers send a textarea's line breaks as CRLF; the record keeps one form.
        return (self.cleaned_data.get("note") or "").replace("\r\n", "\n")


# The question texts are Markdown (common/markdown.py renders them); the hint says what
# it offers in one line, since staff write these in a plain text box.
MARKDOWN_HINT = (
    "Markdown: a blank line starts a paragraph; *emphasis*, **bold**, lists (- or 1.) "
    "and [links](https://example.org) work; HTML is shown as typed."
)


class ClarificationForm(forms.Form):
    text = forms.CharField(
        label="Clarification",
        max_length=CLARIFICATION_MAX_LENGTH,
        help_text=(
            "Appended to the question with today's date and your name. It explains the "
            f"criteria; it cannot change them. {MARKDOWN_HINT}"
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# --- Authoring -------------------------------------------------------------------

UTC_HINT = "UTC; your browser shows the time as typed, without converting it."
# The title, criteria and fine print are saved with these filled in (questions.services).
PLACEHOLDERS_HELP = (
    "{open_date}, {close_date}, {open_year} and {close_year} are filled in from the "
    "window when the draft is saved."
)


def _limited(model_field: str) -> dict[str, str]:
    # The browser stops typing at the database's limit; a longer value that arrives
    # anyway gets questions.validation's message, the one a file's import gets.
    return {"maxlength": str(max_length(Question, model_field))}


def _utc_field(label: str, help_text: str) -> forms.DateTimeField:
    # A datetime-local value (no offset) is read as UTC, whatever the viewer's zone.
    return UTCDateTimeField(
        label=label,
        help_text=f"{help_text} {UTC_HINT}",
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "step": "1"}, format=DATETIME_LOCAL_FORMAT
        ),
    )


def _probability_field(label: str) -> forms.FloatField:
    # The range is checked by questions.validation, so the page says what a file's
    # import says; the browser still keeps the number between 0 and 1.
    return forms.FloatField(
        label=label,
        required=False,
        help_text="A probability from 0 to 1, e.g. 0.55.",
        widget=forms.NumberInput(
            attrs={"min": "0", "max": "1", "step": "0.01", "inputmode": "decimal"}
        ),
    )


class QuestionDraftForm(forms.Form):
    """Shapes the authoring page's input into a `QuestionDraft`; the rules about
    the question's fields (lengths, the window's order, the passage being in the
    article, the probability range) are `questions.validation`'s, shown on these
    fields with the words a file's import uses."""

    title = forms.CharField(
        widget=forms.TextInput(attrs={"size": 60, **_limited("title")}),
        help_text=PLACEHOLDERS_HELP,
    )
    slug = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs=_limited("slug")),
        help_text="Lowercase letters, digits and hyphens; left blank, it is made from the title.",
    )
    type = forms.ChoiceField(
        choices=[(value, Question.Type(value).label) for value in AUTHORED_TYPES],
        initial=Question.Type.BINARY,
        help_text="Only binary (yes or no) questions for now.",
    )
    background = forms.CharField(
        required=False, help_text=MARKDOWN_HINT, widget=forms.Textarea(attrs={"rows": 4})
    )
    resolution_criteria = forms.CharField(
        help_text=(
            "Exactly what makes the question resolve yes, and otherwise no. "
            f"{MARKDOWN_HINT} {PLACEHOLDERS_HELP}"
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    fine_print = forms.CharField(
        required=False,
        help_text=f"{MARKDOWN_HINT} {PLACEHOLDERS_HELP}",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    resolution_source = forms.CharField(
        required=False,
        help_text="The public source that settles the question.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    tags = forms.CharField(
        required=False,
        help_text="Comma-separated, e.g. north-korea, missiles; new tags are created.",
    )
    projects = forms.ModelMultipleChoiceField(
        queryset=Project.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
    )
    open_time = _utc_field("Opens (UTC)", "When forecasting opens.")
    scheduled_close_time = _utc_field("Closes (UTC)", "When forecasting closes.")
    scheduled_resolve_time = _utc_field(
        "Resolves by (UTC)", "When the outcome is expected to be known; not before the close."
    )
    hide_community_until_forecast = forms.BooleanField(
        label="Hide the community forecast until the forecaster has forecast",
        required=False,
        help_text="Against anchoring; everyone sees it once the question closes.",
    )
    article = forms.ModelChoiceField(
        # The list needs no article bodies; the passage check loads the one chosen.
        queryset=Article.objects.defer("text").order_by("-publication_date", "title"),
        required=False,
        to_field_name="slug",
        empty_label="(none)",
        help_text="The article the question is drawn from.",
    )
    source_passage = forms.CharField(
        label="Source passage",
        required=False,
        help_text=(
            "Quoted from the article; it must occur in the article's text (spacing and "
            "straight or curly quotes may differ)."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    implied_probability_low = _probability_field("Implied probability, low")
    implied_probability_high = _probability_field("Implied probability, high")
    implied_probability_table = forms.ChoiceField(
        label="Read with the table",
        required=False,
        choices=lambda: [("", "(none)"), *likelihood.question_table_choices()],
    )
    implied_probability_term = forms.CharField(
        label="Term read",
        required=False,
        widget=forms.TextInput(attrs=_limited("implied_probability_term")),
        help_text="The words that express the likelihood, e.g. “more likely”.",
    )
    # Kept on the form so a draft made from a claim (a successor, say) keeps its link
    # when it is edited; left out, a submission means a direct link speaking for Yes.
    provenance_link = forms.ChoiceField(
        label="Link to the article's claim",
        required=False,
        choices=Question.ProvenanceLink.choices,
        initial=Question.ProvenanceLink.DIRECT,
    )
    provenance_direction = forms.ChoiceField(
        label="The claim speaks for",
        required=False,
        choices=Question.ProvenanceDirection.choices,
        initial=Question.ProvenanceDirection.YES,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_tags(self) -> list[str]:
        text = self.cleaned_data.get("tags") or ""
        return [part.strip() for part in text.split(",") if part.strip()]

    def draft(self) -> QuestionDraft:
        data = self.cleaned_data
        return QuestionDraft(
            title=data["title"],
            slug=data["slug"],
            type=data["type"],
            background=data["background"],
            resolution_criteria=data["resolution_criteria"],
            fine_print=data["fine_print"],
            resolution_source=data["resolution_source"],
            tags=data["tags"],
            projects=list(data["projects"]),
            open_time=data["open_time"],
            scheduled_close_time=data["scheduled_close_time"],
            scheduled_resolve_time=data["scheduled_resolve_time"],
            hide_community_until_forecast=data["hide_community_until_forecast"],
            article=data["article"],
            source_passage=data["source_passage"],
            implied_probability_low=data["implied_probability_low"],
            implied_probability_high=data["implied_probability_high"],
            implied_probability_table=data["implied_probability_table"],
            implied_probability_term=data["implied_probability_term"],
            provenance_link=data["provenance_link"] or Question.ProvenanceLink.DIRECT,
            provenance_direction=(data["provenance_direction"] or Question.ProvenanceDirection.YES),
        )

    @staticmethod
    def initial_for(question: Question) -> dict[str, Any]:
        """The form's values for an existing draft (tags and projects already fetched)."""
        initial: dict[str, Any] = {
            name: getattr(question, name)
            for name in (
                "title",
                "slug",
                "type",
                "background",
                "resolution_criteria",
                "fine_print",
                "resolution_source",
                "open_time",
                "scheduled_close_time",
                "scheduled_resolve_time",
                "hide_community_until_forecast",
                "source_passage",
                "implied_probability_low",
                "implied_probability_high",
                "implied_probability_table",
                "implied_probability_term",
                "provenance_link",
                "provenance_direction",
            )
        }
        initial["tags"] = ", ".join(tag.slug for tag in question.tags.all())
        initial["projects"] = [project.slug for project in question.projects.all()]
        initial["article"] = question.article.slug if question.article else None
        return initial

    @classmethod
    def initial_from(cls, data: QueryDict) -> dict[str, Any]:
        """What was submitted, as the values of an unbound form: the page comes back
        with everything typed in it and no error shown (nothing was saved)."""
        initial: dict[str, Any] = {}
        for name, field in cls.base_fields.items():
            if name not in data:
                continue
            multiple = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
            initial[name] = data.getlist(name) if multiple else data.get(name)
        return initial

    @classmethod
    def data_for(cls, question: Question) -> dict[str, Any]:
        """`initial_for` as submitted data, to show a draft's form with errors on it."""
        data: dict[str, Any] = {}
        for name, value in cls.initial_for(question).items():
            if isinstance(value, datetime):
                value = value.astimezone(UTC).strftime(DATETIME_LOCAL_FORMAT)
            if value is None or value is False:
                continue
            data[name] = "on" if value is True else value
        return data


# --- Drafting from an article passage ------------------------------------------

# Windows anchored on the article's publication date, as the seed questions
# are drawn (docs/article-questions.md): the horizon the article names, or one
# chosen and stated in the background.
HORIZONS = {
    "6m": ("6 months", relativedelta(months=6)),
    "1y": ("1 year", relativedelta(years=1)),
    "3y": ("3 years", relativedelta(years=3)),
    "5y": ("5 years", relativedelta(years=5)),
    "10y": ("10 years", relativedelta(years=10)),
}
DEFAULT_HORIZON = "1y"
HORIZON_CHOICES = [(key, label) for key, (label, _) in HORIZONS.items()]
# A window that has already closed cannot be published: such a question is
# drawn again from today, as the seed file's successors are.
ANCHOR_PUBLICATION = "publication"
ANCHOR_TODAY = "today"
ANCHOR_CHOICES = [
    (ANCHOR_PUBLICATION, "from the article's publication"),
    (ANCHOR_TODAY, "from today (a successor window)"),
]
# The seed questions resolve a month after they close.
RESOLVE_AFTER_CLOSE = relativedelta(months=1)
PASSAGE_MAX_LENGTH = 5000


class ArticlePassageForm(forms.Form):
    """The query of /manage/questions/new/?article=...&passage=...&horizon=..."""

    article = forms.ModelChoiceField(
        queryset=Article.objects.all(), to_field_name="slug", required=False
    )
    passage = forms.CharField(required=False, max_length=PASSAGE_MAX_LENGTH)
    horizon = forms.ChoiceField(choices=HORIZON_CHOICES, required=False)
    anchor = forms.ChoiceField(choices=ANCHOR_CHOICES, required=False)


def article_draft_initial(
    *,
    article: Article,
    passage: str,
    horizon: str,
    anchor: str = ANCHOR_PUBLICATION,
    today: date | None = None,
) -> dict[str, Any]:
    """A new draft's values for a passage of `article`: the provenance filled
    in and the window opening at the start of the publication day (UTC), or of
    today for a successor, closing after `horizon` and resolving a month later."""
    label, length = HORIZONS.get(horizon) or HORIZONS[DEFAULT_HORIZON]
    if anchor == ANCHOR_TODAY:
        start = today or datetime.now(UTC).date()
        window = f"The window runs {label} from {start.isoformat()}."
    else:
        start = article.publication_date
        window = f"The window runs {label} from the article's publication."
    opens = datetime.combine(start, time.min, tzinfo=UTC)
    closes = opens + length
    passage = " ".join(passage.split())
    return {
        "article": article.slug,
        "source_passage": passage,
        "open_time": opens,
        "scheduled_close_time": closes,
        "scheduled_resolve_time": closes + RESOLVE_AFTER_CLOSE,
        "background": (
            f"Drawn from “{article.title}” ({article.publication_date_display}). {window}"
        ),
    }


def article_draft_window(
    *, data: QueryDict, article: Article, horizon: str, anchor: str
) -> tuple[QueryDict, bool]:
    """`data` (a submitted draft) with the window set for `horizon` from `anchor`, as
    `article_draft_initial` sets it, and whether that window has already closed.
    Everything else typed is kept; the background too, unless it is still one of the
    sentences the page wrote about a window (or blank), which then follows the window."""
    window = article_draft_initial(
        article=article, passage=data.get("source_passage", ""), horizon=horizon, anchor=anchor
    )
    data = data.copy()
    for name in ("open_time", "scheduled_close_time", "scheduled_resolve_time"):
        data[name] = window[name].strftime(DATETIME_LOCAL_FORMAT)
    written = {
        article_draft_initial(article=article, passage="", horizon=key, anchor=start)["background"]
        for key in HORIZONS
        for start, _ in ANCHOR_CHOICES
    }
    background = data.get("background", "").replace("\r\n", "\n").strip()
    if not background or background in written:
        data["background"] = window["background"]
    return data, window["scheduled_close_time"] <= datetime.now(UTC)


@dataclass(frozen=True)
class TermReading:
    term: str
    low: float
    high: float


def icd203_reading(passage: str) -> TermReading | None:
    """The first ICD 203 term the passage uses, as a hint for the author: the
    range is the article's confidence in its own claim, which the question may
    ask the opposite of (docs/article-questions.md)."""
    lowered = likelihood.normalise(passage)
    found = []
    # The wordings come from the likelihood tables' data file; at the same place the
    # longer wording wins, so "very unlikely" is read before "unlikely".
    for entry in likelihood.table("icd203").entries:
        for term in map(likelihood.normalise, entry.wordings):
            match = re.search(rf"\b{re.escape(term)}\b", lowered)
            if match:
                reading = TermReading(term, entry.low, entry.high)
                found.append((match.start(), -len(term), reading))
    return min(found, key=lambda item: (item[0], item[1]))[2] if found else None
