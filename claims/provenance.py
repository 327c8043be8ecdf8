"""Reading a question's provenance as a claim (reads only; the writes are
`claims.services.provenance`).

A question drawn from an article quotes a passage and, often, the probability range its
wording implies. That passage is a claim of the article; the question tracks it through a
link of the kind its provenance names (`direct`, `proxy`, `successor`) and for the side
its `direction` names. The implied range on the question is always the probability of
the question's Yes; the claim's own range is that range when the claim speaks for Yes,
and its mirror (1 - high, 1 - low) when it speaks for No, so that a claim quoted by two
questions that ask opposite things has one range."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from claims.models import ArticleForecaster, Claim, ClaimLink
from common.passages import locate_passage
from questions.models import Question

# Derived ranges are rounded so that 1 - 0.80 is stored as 0.2, not 0.19999999999999996.
RANGE_PLACES = 12


def claim_range(
    low: float | None, high: float | None, direction: str
) -> tuple[float | None, float | None]:
    """The claim's own range from a question's implied range for its Yes."""
    if low is None or high is None:
        return None, None
    if direction == ClaimLink.Direction.NO:
        return round(1.0 - high, RANGE_PLACES), round(1.0 - low, RANGE_PLACES)
    return low, high


def question_side_probability(low: float, high: float, direction: str) -> float:
    """The forecast a claim with range [low, high] stands for on a question: the range's
    midpoint, taken toward the question's Yes or its No by the link's direction."""
    midpoint = (low + high) / 2.0
    return midpoint if direction == ClaimLink.Direction.YES else 1.0 - midpoint


def provenance_questions(*, question_ids: Iterable[int] | None = None) -> Q:
    """The filter on Question for those whose provenance names a claim: an article and a
    passage."""
    condition = Q(article__isnull=False) & ~Q(source_passage="")
    if question_ids is not None:
        condition &= Q(pk__in=list(question_ids))
    return condition


@dataclass(frozen=True)
class ClaimFields:
    """What a claim quoted by questions' provenance holds, from the lead question of the
    group that quotes it (the first direct one by id, else the first)."""

    expression: str
    low: float | None
    high: float | None
    table: str
    horizon_start: date
    horizon_end: date | None

    @classmethod
    def of(cls, questions: list[Question], published: date) -> ClaimFields:
        direct = [q for q in questions if q.provenance_link == ClaimLink.Kind.DIRECT]
        lead = min(direct or questions, key=lambda q: q.pk)
        low, high = claim_range(
            lead.implied_probability_low,
            lead.implied_probability_high,
            lead.provenance_direction,
        )
        return cls(
            expression=lead.implied_probability_term,
            low=low,
            high=high,
            table=lead.implied_probability_table,
            horizon_start=published,
            # A direct question measures the claim over its own horizon: its close.
            horizon_end=lead.scheduled_close_time.date() if direct else None,
        )

    def differs_from(self, claim: Claim) -> bool:
        return any(getattr(claim, name) != value for name, value in self.__dict__.items())


def passage_matches(stored: str, quoted: str) -> bool:
    """The claim's verbatim passage is the one the question quotes (allowing for the
    re-wrapped lines and typographic quotes `locate_passage` allows)."""
    return locate_passage(stored, quoted) == (0, len(stored))


def _link_in_sync(question: Question, links: list[ClaimLink]) -> bool:
    if len(links) != 1:
        return False
    link = links[0]
    claim = link.claim
    if (
        link.kind != question.provenance_link
        or link.direction != question.provenance_direction
        or claim.article_id != question.article_id
        or claim.status != Claim.Status.ACCEPTED
        or not passage_matches(claim.passage, question.source_passage)
    ):
        return False
    if question.updated_at <= claim.updated_at:
        return True  # the claim was written since: its fields are its own now
    low, high = claim_range(
        question.implied_probability_low,
        question.implied_probability_high,
        question.provenance_direction,
    )
    return (claim.expression, claim.low, claim.high, claim.table) == (
        question.implied_probability_term,
        low,
        high,
        question.implied_probability_table,
    )


def provenance_out_of_sync(*, question_ids: Iterable[int] | None = None) -> list[int]:
    """Questions whose provenance is not (or no longer) reflected by their claim link:
    no link, another claim or kind or side, a claim edited in the question since, or an
    article without its forecaster. What the provenance sweep hands to the sync after a
    lost message. Two queries; no article text is read."""
    questions = list(
        Question.objects.filter(provenance_questions(question_ids=question_ids))
        .only(
            "pk",
            "article_id",
            "source_passage",
            "implied_probability_low",
            "implied_probability_high",
            "implied_probability_table",
            "implied_probability_term",
            "provenance_link",
            "provenance_direction",
            "updated_at",
        )
        .order_by("pk")
    )
    links: dict[int, list[ClaimLink]] = defaultdict(list)
    for link in ClaimLink.objects.filter(question_id__in=[q.pk for q in questions]).select_related(
        "claim"
    ):
        links[link.question_id].append(link)
    with_forecaster = set(
        ArticleForecaster.objects.filter(
            article_id__in={q.article_id for q in questions}
        ).values_list("article_id", flat=True)
    )
    return [
        q.pk
        for q in questions
        if not _link_in_sync(q, links[q.pk])
        or (q.provenance_link == ClaimLink.Kind.DIRECT and q.article_id not in with_forecaster)
    ]


# --- Who said it --------------------------------------------------------------------------

_OPEN_QUOTES = '"“'
_CLOSE_QUOTES = '"”'
_NAME = r"(?:(?:Dr|Prof|Mr|Mrs|Ms)\.\s+|Professor\s+)?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,3}"
_VERBS = (
    "|".join(
        ("explains", "explained", "argues", "argued", "says", "said", "notes", "noted"),
    )
    + "|adds|added|warns|warned|writes|wrote|according to"
)
# `"...," explains Dr. Emily Carter, a specialist in Korean security policy at Georgetown.`
_AFTER = re.compile(
    rf"^[\s,.]*(?:{_VERBS})\s+(?P<name>{_NAME})(?:,\s*(?P<affiliation>[^.\"“”\n]+))?"
)
# `... argues Park Jae-sung, Senior Fellow at the Institute. “They're no longer ...”`
_BEFORE = re.compile(
    rf"(?:{_VERBS})\s+(?P<name>{_NAME})(?:,\s*(?P<affiliation>[^.\"“”\n]+))?\.?\s*$"
)


@dataclass(frozen=True)
class Attribution:
    name: str
    affiliation: str


def _quotation_around(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of the quotation (marks included) that holds [start, end), within its
    paragraph; None when the passage is not quoted speech."""
    paragraph_start = text.rfind("\n", 0, start) + 1
    paragraph_end = text.find("\n", end)
    paragraph_end = len(text) if paragraph_end < 0 else paragraph_end
    before = text[paragraph_start:start]
    opening = max(before.rfind(mark) for mark in _OPEN_QUOTES)
    if opening < 0:
        return None
    # Straight quotes open and close alike: an even number before the passage means the
    # last one closed a quotation.
    if before[opening] == '"' and before.count('"') % 2 == 0:
        return None
    if any(mark in before[opening + 1 :] for mark in "”"):
        return None
    after = text[end:paragraph_end]
    closings = [after.find(mark) for mark in _CLOSE_QUOTES if after.find(mark) >= 0]
    if not closings:
        return None
    return paragraph_start + opening, end + min(closings) + 1


def attributed_speaker(text: str, start: int, end: int) -> Attribution | None:
    """Who the passage at [start, end) is attributed to, when it is quoted speech with a
    plain attribution right after the quotation ("..." explains Dr. Emily Carter, ...) or
    right before it; None otherwise, and the claim is the byline's."""
    quotation = _quotation_around(text, start, end)
    if quotation is None:
        return None
    match = _AFTER.match(text[quotation[1] : quotation[1] + 300])
    if match is None:
        paragraph_start = text.rfind("\n", 0, quotation[0]) + 1
        match = _BEFORE.search(text[max(paragraph_start, quotation[0] - 300) : quotation[0]])
    if match is None:
        return None
    return Attribution(
        name=match.group("name").strip(), affiliation=(match.group("affiliation") or "").strip()
    )
