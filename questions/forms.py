"""The admin's resolve form. It only shapes input: the rules (staff only, a
time zone, not in the future, not before the question opened, http(s) links)
live in `question_resolve`, whose errors the view puts on these fields."""

from __future__ import annotations

from django import forms

from questions.models import Question
from questions.services import RESOLUTION_OUTCOMES

OUTCOME_CHOICES = [
    (value, label) for value, label in Question.Resolution.choices if value in RESOLUTION_OUTCOMES
]


class QuestionResolveForm(forms.Form):
    outcome = forms.ChoiceField(choices=OUTCOME_CHOICES, widget=forms.RadioSelect)
    known_at = forms.DateTimeField(
        label="Known at (UTC)",
        help_text=(
            "When the outcome became known in the world, in UTC. It may be in the past; "
            "forecasts made at or after it are not scored."
        ),
        # The site's time zone is UTC, so a time without an offset is read as UTC.
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    evidence_links = forms.CharField(
        label="Evidence links",
        required=False,
        help_text="One http(s) URL per line.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_evidence_links(self) -> list[str]:
        text = self.cleaned_data.get("evidence_links") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]
