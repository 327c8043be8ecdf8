"""The leaderboard page: pick a scope, a rule and the minimum-participation line."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from scoring.models import MaterializedScope, Rule
from scoring.scopes import ALL, Scope, ScopeError
from scoring.selectors import leaderboard_for

ROWS_PER_PAGE = 100


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


class LeaderboardForm(forms.Form):
    scope = forms.ChoiceField(label="Questions", required=False)
    rule = forms.ChoiceField(label="Rule", choices=Rule.choices, required=False)
    min_questions = forms.IntegerField(
        label="Minimum scored questions to be ranked",
        min_value=0,
        # Far above any real count; keeps absurd input a form error, not a surprise.
        max_value=100_000,
        required=False,
        error_messages={"invalid": "Enter a whole number of questions, 0 or more."},
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = _scope_choices()


def leaderboard(request: HttpRequest) -> HttpResponse:
    status = 200
    form = LeaderboardForm(request.GET or None)
    scope, rule, min_questions, page = Scope(ALL), Rule.ACCURACY, None, 1
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            scope = Scope.parse(data["scope"] or ALL)
            rule = Rule(data["rule"] or Rule.ACCURACY)
            min_questions = data["min_questions"]
            page = data["page"] or 1
        else:
            # Show the default board with the error next to the field.
            status = 400
    board = leaderboard_for(
        scope=scope,
        rule=rule,
        min_questions=min_questions,
        offset=(page - 1) * ROWS_PER_PAGE,
        limit=ROWS_PER_PAGE,
    )
    if not form.is_bound:
        form = LeaderboardForm(
            initial={
                "scope": ALL,
                "rule": Rule.ACCURACY,
                "min_questions": settings.FORESEER_LEADERBOARD_MIN_QUESTIONS,
            }
        )
    me = request.user.username if request.user.is_authenticated else None
    context = {
        "board": board,
        "form": form,
        "me": me,
        "ranked_rows": [row for row in board.rows if row.rank is not None],
        "unranked_rows": [row for row in board.rows if row.rank is None],
        "page": page,
        "has_next": page * ROWS_PER_PAGE < board.total,
        "coverage_rule": rule.uses_coverage,
    }
    return render(request, "scoring/leaderboard.html", context, status=status)
