"""What a forecaster's profile holds and which time zone they read times in: the rules
for the display name, the bio and the time zone, shared by the model, the settings page
and the API."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError

from common.text import CONTROL_MESSAGE, control_character

DISPLAY_NAME_MAX_LENGTH = 80
BIO_MAX_LENGTH = 500
TIME_ZONE_MAX_LENGTH = 64


@cache
def time_zone_names() -> frozenset[str]:
    """Every IANA time zone name this machine knows."""
    return frozenset(zoneinfo.available_timezones())


def time_zone_or_none(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone named, or None when the name is empty or not an IANA zone."""
    if not name or len(name) > TIME_ZONE_MAX_LENGTH or name not in time_zone_names():
        return None
    return zoneinfo.ZoneInfo(name)


def validate_time_zone(name: str) -> None:
    if name and time_zone_or_none(name) is None:
        raise ValidationError(
            "%(name)s is not a time zone name: use an IANA name such as Europe/London, "
            "or leave it empty to follow your browser.",
            code="invalid_time_zone",
            params={"name": repr(name[:TIME_ZONE_MAX_LENGTH])},
        )


def validate_no_control_characters(text: str) -> None:
    found = control_character(text)
    if found:
        raise ValidationError(CONTROL_MESSAGE.format(found), code="control_character")


def validate_single_line(text: str) -> None:
    if "\n" in text or "\r" in text or "\t" in text:
        raise ValidationError("Use one line, without tabs.", code="single_line")
