"""Reads of articles and their claims for the staff's review pages and the API: the
articles with their claims counted by status, an article's claims with their speakers
and the questions tracking them, and a claim's passage in its context. Each list is one
or two queries however many rows it holds."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from claims.models import Claim, ClaimLink
from questions.models import Article, Outlet, Person

# Characters of the article shown on each side of a passage on the review page.
CONTEXT_CHARACTERS = 240


def articles_for_review() -> QuerySet[Article]:
    """Articles newest first, each with `proposed_count`, `accepted_count` and
    `dismissed_count`, its outlet and its authors; without the text."""
    return (
        Article.objects.defer("text")
        .select_related("outlet")
        .prefetch_related("authors")
        .annotate(
            proposed_count=Count("claims", filter=Q(claims__status=Claim.Status.PROPOSED)),
            accepted_count=Count("claims", filter=Q(claims__status=Claim.Status.ACCEPTED)),
            dismissed_count=Count("claims", filter=Q(claims__status=Claim.Status.DISMISSED)),
        )
        .order_by("-id")
    )


def claims_with_links() -> QuerySet[Claim]:
    """Claims with their article (without its text), speaker and the questions that
    track them, for lists."""
    return (
        Claim.objects.select_related("speaker", "article")
        .defer("article__text")
        .prefetch_related(
            Prefetch("links", queryset=ClaimLink.objects.select_related("question")),
        )
    )


def claims_of_article(*, article: Article) -> list[Claim]:
    """The article's claims in the order of its text."""
    return list(
        Claim.objects.filter(article=article)
        .select_related("speaker")
        .prefetch_related(
            Prefetch("links", queryset=ClaimLink.objects.select_related("question")),
        )
        .order_by("start", "id")
    )


# At most this many quoted speakers are named on an article's page.
SPEAKERS_SHOWN = 50


def speakers_of_article(*, article: Article) -> list[Person]:
    """The people the article's accepted claims are attributed to, by name (each once)."""
    return list(
        Person.objects.filter(claims__article=article, claims__status=Claim.Status.ACCEPTED)
        .distinct()
        .order_by("name", "id")[:SPEAKERS_SHOWN]
    )


@dataclass(frozen=True)
class PassageInContext:
    before: str
    passage: str
    after: str
    cut_before: bool
    cut_after: bool


def passage_in_context(
    *, text: str, claim: Claim, width: int = CONTEXT_CHARACTERS
) -> PassageInContext:
    """The claim's passage as its offsets mark it, with up to `width` characters of the
    text on each side (cut at a space where one is near)."""
    start, end = claim.start, claim.end
    left = max(0, start - width)
    right = min(len(text), end + width)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    return PassageInContext(
        before=text[left:start],
        passage=text[start:end],
        after=text[end:right],
        cut_before=left > 0,
        cut_after=right < len(text),
    )


def people() -> QuerySet[Person]:
    return Person.objects.order_by("name", "id")


def outlets() -> QuerySet[Outlet]:
    return Outlet.objects.order_by("name", "id")
