"""Staff pages for a new article: reading it (pasted or uploaded) and checking what was
read before saving, then reviewing the claims the extractor proposes in it: accept,
edit or dismiss each, and draft a question from an accepted one.

Views validate and shape; the rules are `claims.services.review`'s, whose errors land on
the field they name with a 400. Every action is a plain POST form with its CSRF token,
answered by a redirect back to the review page (the page never changes on a GET)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.signed_in import signed_in_user
from claims.forms import (
    ArticleConfirmForm,
    ArticleReadForm,
    ClaimDismissForm,
    ClaimEditForm,
    authors_text,
)
from claims.models import Claim
from claims.reading import ArticleReadError, article_read
from claims.selectors import articles_for_review, claims_of_article, passage_in_context
from claims.services.review import (
    AuthorName,
    article_ingest,
    claim_accept,
    claim_dismiss,
    claim_draft_question,
    claim_update,
    claims_propose,
)
from common.forms import add_service_errors
from common.likelihood import table_name
from pages.views.manage import staff_required
from questions.models import Article

logger = logging.getLogger(__name__)

ARTICLES_PER_PAGE = 50
# The fields of the confirmation form that reading may leave empty, and their names.
READ_FIELDS = {
    "title": "title",
    "authors": "authors",
    "outlet": "outlet",
    "publication_date": "publication date",
}


@dataclass(frozen=True)
class ReadArticle:
    """What reading an article found; empty where it found nothing."""

    title: str
    authors: list[AuthorName]
    outlet: str
    publication_date: date | None
    text: str
    url: str = ""


# Pasted text that starts as markup is a page's source, read as HTML.
_MARKUP = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<article|<div|<p[\s>]|<h[1-6])", re.I)


def read_article(content: str, *, name: str) -> ReadArticle:
    """The article in `content` (a pasted text, or an uploaded file called `name`)
    through claims.reading: its main text and metadata, trafilatura's for a page. A
    paste is read as a page when it starts as one, as plain text or Markdown otherwise.
    What cannot be read is a ValidationError on the field it came in."""
    field = "upload" if name else "pasted"
    if not name:
        name = "pasted.html" if _MARKUP.match(content) else "pasted.md"
    try:
        found = article_read(content, name)
    except ArticleReadError as error:
        raise ValidationError({field: [str(error)]}) from None
    return ReadArticle(
        title=found.title or "",
        authors=[AuthorName(author) for author in found.authors],
        outlet=found.outlet or "",
        publication_date=found.date,
        text=found.text or "",
    )


def _review_url(article: Article) -> str:
    return reverse("manage:article_review", args=[article.slug])


# --- The list ---------------------------------------------------------------------------


@staff_required
def article_list(request: HttpRequest) -> HttpResponse:
    page_obj = Paginator(articles_for_review(), ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "pages/manage/article_list.html", {"page_obj": page_obj})


# --- Adding an article --------------------------------------------------------------------


@staff_required
def article_add(request: HttpRequest) -> HttpResponse:
    """Step one: paste or upload. A valid submission is read and answered with step
    two, the confirmation form filled with what was found, nothing saved yet."""
    if request.method != "POST":
        return _read_page(request, ArticleReadForm())
    form = ArticleReadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _read_page(request, form, status=400)
    try:
        content, name = form.content()
        found = read_article(content, name=name)
    except ValidationError as error:
        add_service_errors(form, error)
        return _read_page(request, form, status=400)
    if not found.text.strip():
        form.add_error(None, "No article text was found in what you gave: paste the text itself.")
        return _read_page(request, form, status=400)
    initial = {
        "title": found.title,
        "authors": authors_text(found.authors),
        "outlet": found.outlet,
        "publication_date": found.publication_date,
        "url": found.url,
        "text": found.text,
    }
    missing = [label for field, label in READ_FIELDS.items() if not initial[field]]
    return _confirm_page(request, ArticleConfirmForm(initial=initial), missing=missing)


def _read_page(request: HttpRequest, form: ArticleReadForm, *, status: int = 200) -> HttpResponse:
    return render(request, "pages/manage/article_add.html", {"form": form}, status=status)


def _confirm_page(
    request: HttpRequest,
    form: ArticleConfirmForm,
    *,
    missing: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "missing": missing or []}
    return render(request, "pages/manage/article_confirm.html", context, status=status)


@staff_required
@require_POST
def article_save(request: HttpRequest) -> HttpResponse:
    """Step two: save the checked article and propose its claims."""
    form = ArticleConfirmForm(request.POST)
    if not form.is_valid():
        return _confirm_page(request, form, status=400)
    data = form.cleaned_data
    try:
        article = article_ingest(
            title=data["title"],
            text=data["text"],
            publication_date=data["publication_date"],
            precision=data["precision"],
            outlet=data["outlet"],
            authors=data["authors"],
            url=data["url"],
            created_by=signed_in_user(request.user),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _confirm_page(request, form, status=400)
    try:
        proposed = claims_propose(article_id=article.pk)
    except Exception:
        # The article is saved (saving it again would be refused as a copy): say so,
        # and leave proposing to the review page's button once the fault is fixed.
        logger.exception("Proposing claims for %s failed", article.slug)
        messages.error(
            request,
            f"Saved “{article.title}”, but proposing its claims failed. Try “Propose "
            "claims again”, or add its claims through the API.",
        )
        return redirect(_review_url(article))
    messages.success(
        request,
        f"Saved “{article.title}”. {len(proposed)} claim{'s' if len(proposed) != 1 else ''} "
        "proposed: review each below.",
    )
    return redirect(_review_url(article))


# --- Reviewing the claims -----------------------------------------------------------------


@dataclass(frozen=True)
class ClaimRow:
    claim: Claim
    context: Any
    table_name: str


@staff_required
def article_review(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(
        Article.objects.select_related("outlet").prefetch_related("authors"), slug=slug
    )
    rows = [
        ClaimRow(claim, passage_in_context(text=article.text, claim=claim), table_name(claim.table))
        for claim in claims_of_article(article=article)
    ]
    groups = [
        (status, label, [row for row in rows if row.claim.status == status])
        for status, label in (
            (Claim.Status.PROPOSED, "Proposed: to review"),
            (Claim.Status.ACCEPTED, "Accepted"),
            (Claim.Status.DISMISSED, "Dismissed"),
        )
    ]
    context = {"article": article, "groups": groups, "dismiss_form": ClaimDismissForm()}
    return render(request, "pages/manage/article_review.html", context)


@staff_required
@require_POST
def article_propose(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    try:
        proposed = claims_propose(article_id=article.pk)
    except Exception:
        logger.exception("Proposing claims for %s failed", article.slug)
        messages.error(request, "Proposing claims failed; nothing was changed.")
    else:
        messages.success(request, f"{len(proposed)} new claim(s) proposed.")
    return redirect(_review_url(article))


def _claim(pk: int) -> Claim:
    return get_object_or_404(Claim.objects.select_related("article", "speaker"), pk=pk)


def _claim_anchor(claim: Claim) -> str:
    return f"{_review_url(claim.article)}#claim-{claim.pk}"


@staff_required
@require_POST
def claim_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(pk)
    try:
        claim_accept(claim_id=claim.pk, accepted_by=signed_in_user(request.user))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Claim accepted.")
    return redirect(_claim_anchor(claim))


@staff_required
def claim_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The review page's dismiss form posts here; a missing reason is shown on this
    page's own form, with the claim."""
    claim = _claim(pk)
    form = ClaimDismissForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                claim_dismiss(
                    claim_id=claim.pk,
                    reason=form.cleaned_data["reason"],
                    dismissed_by=signed_in_user(request.user),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Claim dismissed.")
                return redirect(_claim_anchor(claim))
    context = {"claim": claim, "form": form}
    return render(request, "pages/manage/claim_dismiss.html", context, status=status)


@staff_required
def claim_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(pk)
    if request.method != "POST":
        form = ClaimEditForm(initial=ClaimEditForm.initial_for(claim))
        return _claim_edit_page(request, claim, form)
    form = ClaimEditForm(request.POST)
    if form.is_valid():
        try:
            claim_update(
                claim_id=claim.pk, edit=form.edit(), updated_by=signed_in_user(request.user)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Claim saved.")
            return redirect(_claim_anchor(claim))
    return _claim_edit_page(request, claim, form, status=400)


def _claim_edit_page(
    request: HttpRequest, claim: Claim, form: ClaimEditForm, *, status: int = 200
) -> HttpResponse:
    context = {
        "claim": claim,
        "form": form,
        "around": passage_in_context(text=claim.article.text, claim=claim),
    }
    return render(request, "pages/manage/claim_edit.html", context, status=status)


@staff_required
@require_POST
def claim_draft_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Draft the question and open it in the draft editor."""
    claim = _claim(pk)
    try:
        question = claim_draft_question(claim_id=claim.pk, by=signed_in_user(request.user))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_claim_anchor(claim))
    messages.success(
        request,
        "Draft made from the claim, its provenance and window filled in. Write its title "
        "and resolution criteria, save, then publish it from its preview.",
    )
    return redirect("manage:question_edit", slug=question.slug)
