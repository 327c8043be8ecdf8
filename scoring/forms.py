"""The query forms of the score pages: each validates a page's query string and turns it into
what the page reads (a bound form that does not validate asks for the page's default, shown
with the errors beside the fields)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from django import forms
from django.contrib.auth.models import Group

from accounts.models import User
from common.forms import choice_field
from questions.models import Article, Project
from questions.selectors import tags_in_use
from scoring import registry
from scoring.models import CalibrationReport, MaterializedScope
from scoring.scopes import ALL, Scope, ScopeError


def _named_choices(blank: str, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", blank), *pairs]


def _utc_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


class DateInput(forms.DateInput):
    input_type = "date"


# --- Leaderboard ------------------------------------------------------------------------

SORT_CHOICES = [
    ("rank", "Rank, best first"),
    ("-rank", "Rank, worst first"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("-questions", "Most questions first"),
    ("questions", "Fewest questions first"),
]


def _scope_choices() -> list[tuple[str, str]]:
    names = MaterializedScope.objects.order_by("scope").values_list("scope", flat=True)
    scopes = []
    for name in names:
        try:
            scope = Scope.parse(name)
        except ScopeError:
            continue
        if scope.has_leaderboard and scope.kind != ALL:
            scopes.append((name, f"{scope.kind.capitalize()}: {scope.key}"))
    return [(ALL, "All questions"), *scopes]


@dataclass(frozen=True)
class LeaderboardQuery:
    """The board a leaderboard page shows; the defaults are the page's own."""

    scope: Scope = field(default_factory=lambda: Scope(ALL))
    rule: registry.Rule = registry.DEFAULT
    min_questions: int | None = None
    """None: the site's minimum number of scored questions."""
    page: int = 1
    sort: str = "rank"
    """A key of LEADERBOARD_SORTS, with a leading "-" for the reverse order."""
    resolved_after: datetime | None = None
    resolved_before: datetime | None = None

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


class LeaderboardForm(forms.Form):
    scope = forms.ChoiceField(label="Questions", required=False)
    rule = forms.ChoiceField(label="Rule", choices=registry.choices, required=False)
    min_questions = forms.IntegerField(
        label="Minimum scored questions to be ranked",
        min_value=0,
        # Far above any real count; keeps absurd input a form error, not a surprise.
        max_value=100_000,
        required=False,
        error_messages={"invalid": "Enter a whole number of questions, 0 or more."},
    )
    resolved_after = forms.DateField(
        label="Outcome known on or after (UTC)",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    resolved_before = forms.DateField(
        label="Outcome known before (UTC)",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    sort = forms.ChoiceField(label="Order", choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(
        min_value=1, max_value=1_000_000, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        choice_field(self, "scope").choices = _scope_choices()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        after, before = data.get("resolved_after"), data.get("resolved_before")
        if after and before and after >= before:
            self.add_error("resolved_before", "Must be later than the first date.")
        return data

    def query(self) -> LeaderboardQuery:
        """The board asked for; the default board while the form is unbound or invalid."""
        if not (self.is_bound and self.is_valid()):
            return LeaderboardQuery()
        data = self.cleaned_data
        return LeaderboardQuery(
            scope=Scope.parse(data["scope"] or ALL),
            rule=registry.get(data["rule"] or registry.DEFAULT.key),
            min_questions=data["min_questions"],
            page=data["page"] or 1,
            sort=data["sort"] or "rank",
            resolved_after=_utc_start(data["resolved_after"]),
            resolved_before=_utc_start(data["resolved_before"]),
        )


# --- Calibration explorer ---------------------------------------------------------------

CLOSED, EVERY = "closed", "all"
NARROWING = ("tag", "article", "project")


@dataclass(frozen=True)
class CalibrationQuery:
    """The calibration the explorer shows; the defaults are the site-wide report's."""

    forecaster: User | None = None
    narrowed_to: Scope | None = None
    """A group, tag, article or project: the scope itself, or with a forecaster the
    questions their calibration is narrowed to."""
    weighting: str = CalibrationReport.Weighting.TIME
    closed_only: bool = True


# The calibration explorer's fields that pick one forecaster or a group: for analysts.
PERSONAL_CALIBRATION = ("user", "group")


class CalibrationForm(forms.Form):
    user = forms.CharField(
        label="Forecaster (username)",
        required=False,
        max_length=150,
        help_text="Leave empty for every forecaster.",
    )
    group = forms.ChoiceField(label="Group of forecasters", required=False)
    tag = forms.ChoiceField(label="Tag", required=False)
    article = forms.ChoiceField(label="Article", required=False)
    project = forms.ChoiceField(label="Project", required=False)
    weighting = forms.ChoiceField(
        label="Weighting", choices=CalibrationReport.Weighting.choices, required=False
    )
    questions = forms.ChoiceField(
        label="Questions counted",
        choices=[
            (CLOSED, "Only questions past their scheduled close"),
            (EVERY, "Every resolved question"),
        ],
        required=False,
    )

    def __init__(self, *args: Any, personal: bool = True, **kwargs: Any) -> None:
        """`personal`: whether the fields that choose one forecaster or a group are
        offered (to analysts only)."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if personal:
            choice_field(self, "group").choices = _named_choices(
                "No group",
                ((n, n) for n in Group.objects.order_by("name").values_list("name", flat=True)),
            )
        else:
            for name in PERSONAL_CALIBRATION:
                del self.fields[name]
        choice_field(self, "tag").choices = _named_choices(
            "Any tag", ((s, s) for s in tags_in_use())
        )
        self.article_choices = _named_choices(
            "Any article", Article.objects.order_by("title").values_list("slug", "title")
        )
        self.project_choices = _named_choices(
            "Any project", Project.objects.order_by("name").values_list("slug", "name")
        )
        choice_field(self, "article").choices = self.article_choices
        choice_field(self, "project").choices = self.project_choices

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        username = (data.get("user") or "").strip()
        narrowing = [name for name in NARROWING if data.get(name)]
        data["forecaster"] = None
        if username:
            data["forecaster"] = User.objects.filter(username=username).first()
            if data["forecaster"] is None:
                self.add_error("user", f"No forecaster is named {username!r}.")
            if data.get("group"):
                self.add_error(
                    "group",
                    "A forecaster's calibration can be narrowed to a tag, an article or a "
                    "project, not a group: clear the forecaster or the group.",
                )
            for name in narrowing[1:]:
                self.add_error(
                    name, f"Narrow by one of tag, article or project; {narrowing[0]} is chosen."
                )
        else:
            chosen = (["group"] if data.get("group") else []) + narrowing
            for name in chosen[1:]:
                self.add_error(
                    name, f"Choose one of group, tag, article or project; {chosen[0]} is chosen."
                )
        return data

    def query(self) -> CalibrationQuery:
        """The calibration asked for; the site-wide report while the form is unbound or
        invalid."""
        if not (self.is_bound and self.is_valid()):
            return CalibrationQuery()
        data = self.cleaned_data
        return CalibrationQuery(
            forecaster=data.get("forecaster"),
            narrowed_to=next(
                (Scope(name, data[name]) for name in ("group", *NARROWING) if data.get(name)),
                None,
            ),
            weighting=data.get("weighting") or CalibrationReport.Weighting.TIME,
            closed_only=(data.get("questions") or CLOSED) == CLOSED,
        )

    def titles(self) -> dict[str, dict[str, str]]:
        """The articles' titles and the projects' names by slug, as the choices show them
        (the page names its scope by them without another query)."""
        return {
            "article": dict(self.article_choices),
            "project": dict(self.project_choices),
        }


# --- Questions, one forecaster per row --------------------------------------------------


class QuestionSearchForm(forms.Form):
    q = forms.CharField(label="Title or slug contains", required=False, max_length=200)
    tag = forms.ChoiceField(label="Tag", required=False)
    article = forms.ChoiceField(label="Article", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        choice_field(self, "tag").choices = _named_choices(
            "Any tag", ((s, s) for s in tags_in_use())
        )
        choice_field(self, "article").choices = _named_choices(
            "Any article", Article.objects.order_by("title").values_list("slug", "title")
        )
