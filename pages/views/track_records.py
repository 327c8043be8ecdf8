"""Track-record pages: an article's, an author's, a quoted speaker's and an outlet's
tracked claims and scores beside the crowd's; the leaderboard of speakers, outlets and
authors; term calibration. Public: they show public data. Views read the query, call
the selectors in scoring.selectors.track_records and render; a query the page cannot
read is said next to its field, with a 400."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from common.cache import anonymous_cache
from common.forms import choice_field
from questions.models import Article, Outlet, Person
from scoring import registry
from scoring.selectors.track_records import (
    BOARD_KINDS,
    DEFAULT_RULE,
    SubjectKind,
    TrackRecord,
    compared_rule,
    compared_rules,
    leaderboard,
    outlets_with_claims,
    people_roles,
    term_calibration,
    track_record,
)

CLAIMS_PER_PAGE = 25
BOARD_ROWS_PER_PAGE = 25
TERMS_PER_PAGE = 50
OUTLET_TERMS_SHOWN = 10
MAX_PAGE = 100_000


class PageForm(forms.Form):
    """The page of a list: read apart from the filters, so that changing a filter starts
    again from the first page. A page that is not a whole number from 1 is a 400, said
    beside the list's pages."""

    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)

    def page_number(self) -> int:
        if self.is_bound and self.is_valid():
            return int(self.cleaned_data.get("page") or 1)
        return 1


def _status(*forms_given: forms.Form) -> int:
    bad = any(form.is_bound and not form.is_valid() for form in forms_given)
    return 400 if bad else 200


def _pages(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def _record_context(
    request: HttpRequest, kind: SubjectKind, subject: Article | Person | Outlet
) -> tuple[dict[str, Any], int]:
    form = PageForm(request.GET or None)
    page = form.page_number()
    record: TrackRecord = track_record(
        kind=kind,
        subject=subject,
        offset=(page - 1) * CLAIMS_PER_PAGE,
        limit=CLAIMS_PER_PAGE,
    )
    export = reverse(f"api:track-record-{kind}", args=[subject.slug])
    context = {
        "record": record,
        "kind": kind,
        "page_form": form,
        "page": page,
        "pages": _pages(record.links, CLAIMS_PER_PAGE),
        "has_next": page * CLAIMS_PER_PAGE < record.links,
        "csv_url": f"{export}?format=csv",
        "json_url": f"{export}?format=json",
        "rules": compared_rules(),
    }
    return context, _status(form)


@anonymous_cache
def article_track_record(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(
        Article.objects.select_related("outlet").prefetch_related("authors"), slug=slug
    )
    context, status = _record_context(request, "article", article)
    context["article"] = article
    return render(request, "pages/track_records/record.html", context, status=status)


def _person_page(request: HttpRequest, slug: str, kind: SubjectKind) -> HttpResponse:
    person = get_object_or_404(Person, slug=slug)
    context, status = _record_context(request, kind, person)
    context["person"] = person
    context["roles"] = people_roles(person=person)
    return render(request, "pages/track_records/record.html", context, status=status)


@anonymous_cache
def author_track_record(request: HttpRequest, slug: str) -> HttpResponse:
    """Every tracked claim in the articles the person wrote, whoever is quoted."""
    return _person_page(request, slug, "author")


@anonymous_cache
def speaker_track_record(request: HttpRequest, slug: str) -> HttpResponse:
    """Every tracked claim attributed to the person, in any article."""
    return _person_page(request, slug, "speaker")


@anonymous_cache
def outlet_track_record(request: HttpRequest, slug: str) -> HttpResponse:
    outlet = get_object_or_404(Outlet, slug=slug)
    context, status = _record_context(request, "outlet", outlet)
    context["outlet"] = outlet
    context["terms"] = term_calibration(outlet=outlet, limit=OUTLET_TERMS_SHOWN)
    return render(request, "pages/track_records/record.html", context, status=status)


# --- The leaderboard --------------------------------------------------------------------

KIND_LABELS = {"speakers": "Quoted speakers", "outlets": "Outlets", "authors": "Authors"}


class BoardForm(forms.Form):
    kind = forms.ChoiceField(required=False, label="Rank")
    rule = forms.ChoiceField(required=False, label="Rule")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "kind").choices = [(kind, KIND_LABELS[kind]) for kind in BOARD_KINDS]
        # The default rule first, so the menu shows the board the page shows.
        rules = sorted(compared_rules(), key=lambda rule: rule != DEFAULT_RULE)
        choice_field(self, "rule").choices = [(rule.key, rule.headline) for rule in rules]

    def chosen(self) -> tuple[str, registry.Rule]:
        """The kind and rule asked for; the defaults for any the form refused."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        kind = data.get("kind") or BOARD_KINDS[0]
        rule = compared_rule(data.get("rule") or DEFAULT_RULE.key)
        return kind, rule


@anonymous_cache
def track_record_board(request: HttpRequest) -> HttpResponse:
    form = BoardForm(request.GET or None)
    page_form = PageForm(request.GET or None)
    kind, rule = form.chosen()
    page = page_form.page_number()
    board = leaderboard(
        kind=kind, rule=rule, offset=(page - 1) * BOARD_ROWS_PER_PAGE, limit=BOARD_ROWS_PER_PAGE
    )
    context = {
        "form": form,
        "page_form": page_form,
        "board": board,
        "rule": rule,
        "kind_label": KIND_LABELS[kind],
        "ranked_rows": [row for row in board.rows if row.enough],
        "unranked_rows": [row for row in board.rows if not row.enough],
        "page": page,
        "pages": _pages(board.total, BOARD_ROWS_PER_PAGE),
        "has_next": page * BOARD_ROWS_PER_PAGE < board.total,
        "row_url": {
            "speakers": "track_records:speaker",
            "outlets": "track_records:outlet",
            "authors": "track_records:author",
        }[kind],
    }
    return render(
        request, "pages/track_records/board.html", context, status=_status(form, page_form)
    )


# --- Term calibration ---------------------------------------------------------------------


class TermsForm(forms.Form):
    outlet = forms.ChoiceField(required=False, label="Outlet")

    def __init__(self, *args: Any, outlets: list[Outlet], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "outlet").choices = [
            ("", "All outlets"),
            *((outlet.slug, outlet.name) for outlet in outlets),
        ]


@anonymous_cache
def term_calibration_page(request: HttpRequest) -> HttpResponse:
    outlets = outlets_with_claims()
    form = TermsForm(request.GET or None, outlets=outlets)
    slug = form.cleaned_data.get("outlet") if form.is_bound and form.is_valid() else ""
    outlet = next((o for o in outlets if o.slug == slug), None)
    page_form = PageForm(request.GET or None)
    page = page_form.page_number()
    terms = term_calibration(
        outlet=outlet, offset=(page - 1) * TERMS_PER_PAGE, limit=TERMS_PER_PAGE
    )
    context = {
        "form": form,
        "page_form": page_form,
        "terms": terms,
        # The chart's numbers (json_script); the table under it shows the same.
        "chart": [
            {
                "expression": row.expression,
                "k": row.outcome.k,
                "n": row.outcome.n,
                "rate": row.outcome.rate,
                "low": row.outcome.low,
                "high": row.outcome.high,
                "range_low": row.low,
                "range_high": row.high,
            }
            for row in terms.rows
        ],
        "outlet": outlet,
        "page": page,
        "pages": _pages(terms.total, TERMS_PER_PAGE),
        "has_next": page * TERMS_PER_PAGE < terms.total,
    }
    return render(
        request, "pages/track_records/terms.html", context, status=_status(form, page_form)
    )
