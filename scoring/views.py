"""The leaderboard page."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from scoring.selectors import leaderboard_for


class LeaderboardForm(forms.Form):
    min_questions = forms.IntegerField(
        label="Minimum scored questions to be ranked",
        min_value=0,
        # Far above any real count; keeps absurd input a form error, not a surprise.
        max_value=100_000,
        required=False,
        error_messages={"invalid": "Enter a whole number of questions, 0 or more."},
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def leaderboard(request: HttpRequest) -> HttpResponse:
    min_questions, status = None, 200
    form = LeaderboardForm(request.GET if "min_questions" in request.GET else None)
    if form.is_bound:
        if form.is_valid():
            min_questions = form.cleaned_data["min_questions"]
        else:
            # Show the default board with the error next to the field.
            status = 400
    board = leaderboard_for(min_questions=min_questions)
    if not form.is_bound:
        form = LeaderboardForm(initial={"min_questions": board.min_questions})
    me = request.user.username if request.user.is_authenticated else None
    context = {"board": board, "form": form, "me": me}
    return render(request, "scoring/leaderboard.html", context, status=status)
