"""Outlets and people found by name: one rule for question files, the staff's article
pages and the claims a text attributes. A record is found by the slug of its name, and a
file or a page only fills in what a known record left blank (it may have been corrected
by hand)."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from common.db import max_length
from questions.models import Outlet, Person
from questions.validation import REQUIRED


def record_slug(name: str, *, prefix: str) -> str:
    """The slug a person or outlet is found by: its name's ("Dr. Emily Carter" ->
    "dr-emily-carter"). A name with no Latin letters or digits ("박재성") gets one made
    from a digest of the name, so the same name always finds the same record."""
    slug = slugify(name)[: max_length(Person, "slug")].strip("-")
    if slug:
        return slug
    return f"{prefix}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:12]}"


def _clean_name(value: str, *, model: type[Outlet] | type[Person], field: str) -> str:
    name = " ".join((value or "").split())
    limit = max_length(model, "name")
    if len(name) > limit:
        raise ValidationError({field: [f"At most {limit} characters: {name[:40]}…"]})
    return name


def person_for_name(
    *, name: str, affiliation: str = "", url: str = "", field: str = "speaker"
) -> Person:
    """The person called `name` (found by the slug of the name), created if new. A
    known person's affiliation and url are filled in when they were blank, never
    overwritten: the record may have been corrected by hand."""
    name = _clean_name(name, model=Person, field=field)
    if not name:
        raise ValidationError({field: [REQUIRED]})
    affiliation = " ".join((affiliation or "").split())
    limit = max_length(Person, "affiliation")
    if len(affiliation) > limit:
        raise ValidationError({field: [f"The affiliation takes at most {limit} characters."]})
    person, created = Person.objects.get_or_create(
        slug=record_slug(name, prefix="person"),
        defaults={"name": name, "affiliation": affiliation, "url": url},
    )
    if not created:
        _fill_blanks(person, affiliation=affiliation, url=url)
    return person


def outlet_for_name(
    *, name: str, url: str = "", description: str = "", field: str = "outlet"
) -> Outlet:
    """The outlet called `name` (found by the slug of the name), created if new; a
    known outlet's blank url or description is filled in, never overwritten."""
    name = _clean_name(name, model=Outlet, field=field)
    if not name:
        raise ValidationError({field: [REQUIRED]})
    outlet, created = Outlet.objects.get_or_create(
        slug=record_slug(name, prefix="outlet"),
        defaults={"name": name, "url": url, "description": description},
    )
    if not created:
        _fill_blanks(outlet, url=url, description=description)
    return outlet


def _fill_blanks(record: Outlet | Person, **values: str) -> None:
    blank = {key: value for key, value in values.items() if value and not getattr(record, key)}
    for key, value in blank.items():
        setattr(record, key, value)
    if blank:
        record.save(update_fields=list(blank))
