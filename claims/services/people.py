"""Writes of the records claims are filed under: the people who write and are quoted
(speakers) and the outlets that publish, as staff correct them through the API. Each
is found by its slug; a new one's slug is made from its name unless given."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction

from accounts.models import User
from common.db import max_length
from common.text import CONTROL_MESSAGE, control_character
from questions.models import Outlet, Person
from questions.people import record_slug

Record = Person | Outlet


def _require_staff(user: User, field: str) -> None:
    if not user.is_staff:
        raise ValidationError({field: ["Only staff can change people and outlets."]})


# A description is free text; a long one is a pasted page, not a description.
DESCRIPTION_MAX_LENGTH = 5000


def _limit(model: type[Record], field: str) -> int:
    return DESCRIPTION_MAX_LENGTH if field == "description" else max_length(model, field)


def _clean(model: type[Record], values: dict[str, str]) -> dict[str, str]:
    problems: dict[str, list[str]] = {}
    cleaned = {}
    for field, value in values.items():
        text = " ".join((value or "").split()) if field != "description" else (value or "").strip()
        found = control_character(text)
        if found:
            problems[field] = [CONTROL_MESSAGE.format(found)]
        elif len(text) > _limit(model, field):
            problems[field] = [f"At most {_limit(model, field)} characters."]
        cleaned[field] = text
    if "name" in cleaned and not cleaned["name"]:
        problems["name"] = ["This field is required."]
    if cleaned.get("slug"):
        try:
            validate_slug(cleaned["slug"])
        except ValidationError:
            problems["slug"] = ["Use letters, digits, hyphens and underscores only."]
    if problems:
        raise ValidationError(problems)
    return cleaned


def _save(record: Record, values: dict[str, str]) -> Record:
    for field, value in values.items():
        setattr(record, field, value)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ValidationError({"slug": [f"{record.slug!r} is taken."]}) from None
    return record


def _create(model: type[Record], values: dict[str, str], prefix: str) -> Record:
    cleaned = _clean(model, values)
    cleaned["slug"] = cleaned.get("slug") or record_slug(cleaned["name"], prefix=prefix)
    if model.objects.filter(slug=cleaned["slug"]).exists():
        raise ValidationError({"slug": [f"{cleaned['slug']!r} is taken."]})
    return _save(model(), cleaned)


def person_create(
    *, name: str, created_by: User, affiliation: str = "", url: str = "", slug: str = ""
) -> Person:
    _require_staff(created_by, "created_by")
    values = {"name": name, "affiliation": affiliation, "url": url, "slug": slug}
    person = _create(Person, values, "person")
    assert isinstance(person, Person)
    return person


def person_update(*, person: Person, updated_by: User, **values: str) -> Person:
    """Change the fields given (name, affiliation, url); the slug stays, links use it."""
    _require_staff(updated_by, "updated_by")
    saved = _save(person, _clean(Person, values))
    assert isinstance(saved, Person)
    return saved


def outlet_create(
    *, name: str, created_by: User, url: str = "", description: str = "", slug: str = ""
) -> Outlet:
    _require_staff(created_by, "created_by")
    values = {"name": name, "url": url, "description": description, "slug": slug}
    outlet = _create(Outlet, values, "outlet")
    assert isinstance(outlet, Outlet)
    return outlet


def outlet_update(*, outlet: Outlet, updated_by: User, **values: str) -> Outlet:
    """Change the fields given (name, url, description); the slug stays, links use it."""
    _require_staff(updated_by, "updated_by")
    saved = _save(outlet, _clean(Outlet, values))
    assert isinstance(saved, Outlet)
    return saved
