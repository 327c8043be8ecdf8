"""The web form for a forecast. People think in percentages; the service
takes a probability, and still has the last word on its range."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from forecasts.models import PROBABILITY_PLACES, RATIONALE_MAX_LENGTH
from forecasts.services import idempotency_key_clean

MIN_PERCENT = Decimal("0.1")
MAX_PERCENT = Decimal("99.9")
STEP_PERCENT = Decimal("0.1")
# The number field and the slider beside it share these limits.
PERCENT_LIMITS = {"min": str(MIN_PERCENT), "max": str(MAX_PERCENT), "step": str(STEP_PERCENT)}
SLIDER_START = Decimal("50")
PERCENT_RANGE_MESSAGE = (
    "Your probability of yes must be between 0.1% and 99.9% "
    "(a probability between 0.001 and 0.999); you entered {value}%."
)

PERCENT_PLACES_MESSAGE = (
    "Your probability of yes takes at most one decimal place (steps of 0.1%), "
    "e.g. 62.5; you entered {value}%."
)


class ForecastForm(forms.Form):
    percent = forms.DecimalField(
        label="Your probability of yes (%)",
        help_text="A percentage from 0.1 to 99.9, e.g. 62.5.",
        widget=forms.NumberInput(attrs={**PERCENT_LIMITS, "inputmode": "decimal"}),
        error_messages={
            "required": "Enter your probability of yes as a percentage from 0.1 to 99.9.",
            "invalid": "Your probability of yes must be a number of percent, e.g. 62.5.",
        },
    )
    rationale = forms.CharField(
        label="Rationale (optional)",
        required=False,
        max_length=RATIONALE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why you think so, in a few words; it is saved with this forecast.",
    )

    # Made when the page is rendered, so a double click or a reload that posts the form
    # again stores one forecast (forecasts.services.forecast_submit_once).
    idempotency_key = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", new_idempotency_key())

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        key = self.cleaned_data.get("idempotency_key")
        if key:
            try:
                idempotency_key_clean(key)
            except ValidationError:
                # A hidden field's error would not show: say it above the form.
                self.add_error(None, "This form could not be read: reload the page and submit.")
        return cleaned

    def clean_percent(self) -> Decimal:
        value: Decimal = self.cleaned_data["percent"]
        if not MIN_PERCENT <= value <= MAX_PERCENT:
            raise forms.ValidationError(PERCENT_RANGE_MESSAGE.format(value=value))
        # The API's rule (forecasts.services.probability_places_clean): steps of 0.1 %,
        # refused beyond that rather than rounded.
        if -int(value.normalize().as_tuple().exponent) > PROBABILITY_PLACES - 2:
            raise forms.ValidationError(PERCENT_PLACES_MESSAGE.format(value=value))
        return value

    @property
    def percent_limits(self) -> dict[str, str]:
        return PERCENT_LIMITS

    @property
    def slider_value(self) -> str:
        """Where the slider starts: the number in the field when it is one (what was typed,
        or the initial value), kept inside the limits; the middle otherwise."""
        try:
            value = Decimal(str(self["percent"].value()))
        except (InvalidOperation, ValueError):
            return str(SLIDER_START)
        if not value.is_finite():
            return str(SLIDER_START)
        value = min(MAX_PERCENT, max(MIN_PERCENT, value)).quantize(STEP_PERCENT)
        return percent_text(value / 100)

    @property
    def probability(self) -> float:
        # Divide in decimal: 99.9 / 100 in floating point is 0.9990000000000001,
        # which the service would refuse as above 0.999.
        return float(self.cleaned_data["percent"] / 100)


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def percent_text(probability: float | Decimal) -> str:
    """A probability as the number the percent field takes: 0.625 -> "62.5", 0.5 -> "50"."""
    text = f"{Decimal(str(probability)) * 100:.1f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
