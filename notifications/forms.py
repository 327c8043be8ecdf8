"""The following page's form: the alert preferences, saved by `alert_preferences_update`."""

from __future__ import annotations

from typing import Any

from django import forms

from notifications.models import AlertPreference


class AlertPreferenceForm(forms.Form):
    clarification = forms.BooleanField(required=False, label="A question I follow is clarified")
    community_move = forms.BooleanField(
        required=False, label="The community forecast of a question I follow moves"
    )
    community_move_threshold = forms.IntegerField(
        required=False,
        min_value=AlertPreference.MIN_THRESHOLD,
        max_value=AlertPreference.MAX_THRESHOLD,
        label="By at least (percentage points)",
        help_text="From 1 to 50, counted from the value of your last alert about that "
        "question. Leave empty for no move alerts.",
    )
    resolution = forms.BooleanField(required=False, label="A question I follow is resolved")
    replies = forms.BooleanField(
        required=False, label="Someone replies to my comment or mentions me"
    )
    delivery = forms.ChoiceField(
        choices=AlertPreference.Delivery.choices,
        widget=forms.RadioSelect,
        label="Email my alerts",
    )

    @classmethod
    def of(cls, preference: AlertPreference) -> AlertPreferenceForm:
        return cls(
            initial={
                "clarification": preference.clarification,
                "community_move": preference.community_move,
                "community_move_threshold": preference.community_move_threshold,
                "resolution": preference.resolution,
                "replies": preference.replies,
                "delivery": preference.delivery,
            }
        )

    def changes(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
