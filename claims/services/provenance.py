"""Questions' provenance becomes claims: for each question that quotes a passage of its
article, an accepted claim at the passage's offsets in the article's text, and a link of
the kind and side the provenance names. See `claims.provenance` for how a provenance is
read."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from claims.models import Claim, ClaimLink
from claims.provenance import ClaimFields, attributed_speaker, provenance_questions
from claims.services.forecasters import article_forecasters_ensure
from common import after_commit
from common.db import max_length
from common.passages import locate_passage
from questions.models import Article, Person, Question
from questions.people import person_for_name

logger = logging.getLogger(__name__)


@dataclass
class ProvenanceSync:
    claims_created: int = 0
    claims_updated: int = 0
    links_written: int = 0
    links_removed: int = 0
    unlocated: list[str] = field(default_factory=list)
    """Slugs of questions whose passage is not in their article's text."""
    claims_moved: int = 0
    """Claims whose passage moved in a rewritten text: their offsets follow it."""
    unanchored: list[int] = field(default_factory=list)
    """Ids of claims whose passage is no longer in their article's text."""
    rescored: list[int] = field(default_factory=list)
    """Resolved questions whose scores the changes made stale."""

    @property
    def changed(self) -> bool:
        return bool(
            self.claims_created
            or self.claims_updated
            or self.links_written
            or self.links_removed
            or self.claims_moved
        )


def claims_sync_provenance(*, question_ids: Iterable[int] | None = None) -> ProvenanceSync:
    """Bring the claims of the given questions' articles (every article's, by default) in
    line with their questions' provenance, in one transaction. Several questions quoting
    one passage share its claim; a question with provenance tracks exactly that claim (a
    link it had to another is removed, the other claim stays, untracked by it). A claim's
    fields follow its questions' provenance unless the claim was edited since the
    questions were. Running it twice changes nothing the second time. Resolved questions
    whose scored inputs changed are recorded as `scores_stale`. A question named in
    `question_ids` that no longer quotes an article (its provenance was removed) loses
    its links; questions without provenance are otherwise left as they are."""
    report = ProvenanceSync()
    if question_ids is not None:
        question_ids = list(question_ids)  # read twice below
    with transaction.atomic():
        article_ids = _articles_of(question_ids)
        touched = _links_of_unquoting(question_ids, report)
        # Serialise syncs of the same articles (in id order): two would create one claim.
        articles = list(
            Article.objects.select_for_update().filter(pk__in=article_ids).order_by("pk")
        )
        direct_articles: set[int] = set()
        for article in articles:
            questions = list(
                Question.objects.filter(provenance_questions(), article=article).order_by("pk")
            )
            touched |= _sync_article(article, questions, report)
            if any(q.provenance_link == ClaimLink.Kind.DIRECT for q in questions):
                direct_articles.add(article.pk)
        article_forecasters_ensure(article_ids=direct_articles)
        report.rescored = sorted(
            Question.objects.filter(
                pk__in=touched, resolution__in=[Question.Resolution.YES, Question.Resolution.NO]
            ).values_list("pk", flat=True)
        )
        for question_id in report.rescored:
            after_commit.scores_stale(question_id=question_id)
    if report.unanchored:
        logger.warning(
            "Claims whose passage is no longer in their article's text (left in place): %s",
            ", ".join(map(str, report.unanchored)),
        )
    if report.unlocated:
        logger.warning(
            "Provenance passages not found in their articles' text (no claim made): %s",
            ", ".join(report.unlocated),
        )
    return report


def _links_of_unquoting(question_ids: Iterable[int] | None, report: ProvenanceSync) -> set[int]:
    """Remove the links of the named questions that quote no article any more; their
    ids."""
    if question_ids is None:
        return set()
    links = ClaimLink.objects.filter(question_id__in=list(question_ids)).exclude(
        question__in=Question.objects.filter(provenance_questions())
    )
    unlinked = set(links.values_list("question_id", flat=True))
    claims = set(links.values_list("claim_id", flat=True))
    report.links_removed += links.delete()[0]
    # Touched, as a link change is: the rescore sweep compares claims with the scores.
    Claim.objects.filter(pk__in=claims).update(updated_at=timezone.now())
    return unlinked


def _articles_of(question_ids: Iterable[int] | None) -> set[int]:
    questions = Question.objects.filter(provenance_questions(question_ids=question_ids))
    return set(questions.values_list("article_id", flat=True))


def _sync_article(article: Article, questions: list[Question], report: ProvenanceSync) -> set[int]:
    """The article's claims and links from its questions; the ids of questions whose
    link or claim changed."""
    _claims_reanchor(article, report)
    groups: dict[tuple[int, int], list[Question]] = defaultdict(list)
    for question in questions:
        span = locate_passage(article.text, question.source_passage)
        if span is None:
            report.unlocated.append(question.slug)
            continue
        groups[span].append(question)
    touched: set[int] = set()
    for (start, end), group in sorted(groups.items()):
        claim, changed = _claim_write(article, start, end, group, report)
        linked = _links_write(claim, group, report)
        touched |= linked
        if changed:
            touched |= set(claim.links.values_list("question_id", flat=True))
            touched |= {q.pk for q in group}
        elif linked:
            # A claim whose set of questions changed is touched, so the rescore sweep
            # (`questions_needing_scores`) sees it was written after the scores were.
            Claim.objects.filter(pk=claim.pk).update(updated_at=timezone.now())
    return touched


def _claims_reanchor(article: Article, report: ProvenanceSync) -> None:
    """A reloaded article whose text changed (a typo fixed, a paragraph added) keeps its
    claims: a claim whose passage is no longer at its offsets moves to where the passage
    now is, verbatim, if it is there once and no other claim holds that span. One that
    cannot move is left as it was and reported; it is never silently re-pointed."""
    text = article.text
    claims = list(Claim.objects.filter(article=article).order_by("pk"))
    held = {(c.start, c.end) for c in claims if text[c.start : c.end] == c.passage}
    for claim in claims:
        if text[claim.start : claim.end] == claim.passage:
            continue
        span = locate_passage(text, claim.passage)
        if span is None or span in held or text.count(text[span[0] : span[1]]) != 1:
            report.unanchored.append(claim.pk)
            continue
        claim.start, claim.end = span
        claim.passage = text[span[0] : span[1]]
        claim.save(update_fields=["start", "end", "passage", "updated_at"])
        held.add(span)
        report.claims_moved += 1


def _claim_write(
    article: Article, start: int, end: int, group: list[Question], report: ProvenanceSync
) -> tuple[Claim, bool]:
    fields = ClaimFields.of(group, article.publication_date)
    claim = (
        Claim.objects.filter(article=article, start=start, end=end)
        .exclude(status=Claim.Status.DISMISSED)
        .first()
    )
    if claim is None:
        claim = Claim.objects.create(
            article=article,
            passage=article.text[start:end],
            start=start,
            end=end,
            speaker=_speaker(article.text, start, end),
            status=Claim.Status.ACCEPTED,
            **fields.__dict__,
        )
        report.claims_created += 1
        return claim, True
    changes: dict[str, object] = {}
    if claim.status != Claim.Status.ACCEPTED:
        # A proposal the questions quote is accepted by them.
        changes["status"] = Claim.Status.ACCEPTED
    if max(q.updated_at for q in group) > claim.updated_at and fields.differs_from(claim):
        changes.update(fields.__dict__)
    if claim.horizon_start != article.publication_date:
        changes["horizon_start"] = article.publication_date
    if not changes:
        return claim, False
    for name, value in changes.items():
        setattr(claim, name, value)
    claim.save(update_fields=[*changes, "updated_at"])
    report.claims_updated += 1
    return claim, True


def _links_write(claim: Claim, group: list[Question], report: ProvenanceSync) -> set[int]:
    """Each question of the group tracks `claim`, as its provenance says, and no other
    claim; the ids of the questions whose links changed."""
    changed: set[int] = set()
    for question in group:
        others = ClaimLink.objects.filter(question=question).exclude(claim=claim)
        removed, _ = others.delete()
        link = ClaimLink.objects.filter(question=question, claim=claim).first()
        wanted = {"kind": question.provenance_link, "direction": question.provenance_direction}
        if link is None:
            ClaimLink.objects.create(question=question, claim=claim, **wanted)
        elif (link.kind, link.direction) != (wanted["kind"], wanted["direction"]):
            ClaimLink.objects.filter(pk=link.pk).update(**wanted)
        elif not removed:
            continue
        report.links_removed += removed
        report.links_written += 1
        changed.add(question.pk)
    return changed


def _speaker(text: str, start: int, end: int) -> Person | None:
    """The quoted person when the passage is plainly attributed quoted speech; else
    None: the claim is the byline's."""
    attribution = attributed_speaker(text, start, end)
    if attribution is None or not slugify(attribution.name):
        return None
    return person_for_name(
        name=attribution.name[: max_length(Person, "name")],
        affiliation=attribution.affiliation[: max_length(Person, "affiliation")],
    )
