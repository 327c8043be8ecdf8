"""Writes of the staff's review of a new article: storing the article with its outlet
and authors, proposing its claims with the extractor, accepting, editing and dismissing
them, and drafting a question from an accepted claim.

Every write is atomic and every refusal is a ValidationError naming the field, in the
words the staff pages and the API show. A claim's passage is always the article's text
between its offsets, character for character (`Claim.passage == text[start:end]`): the
offsets are how the pages mark it and how a track record proves what was said."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from claims.models import Claim, ClaimLink
from claims.services.forecasters import article_forecasters_ensure
from common.db import max_length
from common.likelihood import NUMBER, question_table_keys, table_keys
from common.text import CONTROL_MESSAGE, control_character
from questions.models import Article, ArticleAuthor, Question, text_digest
from questions.people import outlet_for_name, person_for_name
from questions.services import QuestionDraft, question_draft_create
from questions.validation import REQUIRED

if TYPE_CHECKING:
    # Only its type: importing the extractor loads spaCy, which only proposing needs.
    from claims.extraction import Proposal

logger = logging.getLogger(__name__)

# An article's text is read whole by the extractor and shown whole on its page: a
# long report is some 100,000 characters; beyond this it is not an article.
ARTICLE_TEXT_MAX_LENGTH = 300_000
DISMISS_REASON_MAX_LENGTH = 2000
# A byline, however long, is a few dozen names; more is a paste gone wrong, and each new
# name would become a speaker.
ARTICLE_MAX_AUTHORS = 50
# A claim with no horizon is drafted over this window, as the authoring page's default.
DEFAULT_WINDOW = relativedelta(years=1)
# The seed questions resolve a month after they close (questions.forms).
RESOLVE_AFTER_CLOSE = relativedelta(months=1)


def _require_staff(user: User, field: str, action: str) -> None:
    if not user.is_staff:
        raise ValidationError({field: [f"Only staff can {action}."]})


def known_tables() -> list[str]:
    """The tables a claim's range may be read with: the likelihood tables
    (common/data/likelihood_tables.yaml), and a stated number."""
    return [*table_keys(), NUMBER]


# --- Articles -------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorName:
    name: str
    affiliation: str = ""


def normalize_text(text: str) -> str:
    """The text as stored: one kind of line break (browsers send a textarea's as CRLF,
    files may have either), no control characters (a page's stray form feed; PostgreSQL
    refuses NUL), no blanks at its ends. Offsets are into this."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if control_character(text):
        text = "".join(char for char in text if char in "\t\n" or not control_character(char))
    return text.strip()


def _refuse_controls(values: dict[str, str]) -> None:
    for field, value in values.items():
        found = control_character(value or "")
        if found:
            raise ValidationError({field: [CONTROL_MESSAGE.format(found)]})


def _clean_url(url: str, field: str = "url") -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({field: ["Give an http(s) address, or leave it blank."]}) from None
    if len(url) > 500:
        raise ValidationError({field: ["At most 500 characters."]})
    return url


def _article_slug(title: str) -> str:
    base = slugify(title)[: max_length(Article, "slug") - 4].strip("-") or "article"
    taken = set(Article.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _check_article(
    *,
    title: str,
    text: str,
    publication_date: date | None,
    precision: str,
    authors: int,
    today: date,
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if authors > ARTICLE_MAX_AUTHORS:
        problems["authors"] = [f"At most {ARTICLE_MAX_AUTHORS} authors."]
    if not title:
        problems["title"] = [REQUIRED]
    elif len(title) > max_length(Article, "title"):
        problems["title"] = [f"At most {max_length(Article, 'title')} characters."]
    if not text:
        problems["text"] = [REQUIRED]
    elif len(text) > ARTICLE_TEXT_MAX_LENGTH:
        problems["text"] = [f"At most {ARTICLE_TEXT_MAX_LENGTH:,} characters."]
    if publication_date is None:
        problems["publication_date"] = [REQUIRED]
    elif publication_date > today:
        problems["publication_date"] = ["An article cannot be published after today."]
    if precision not in Article.DatePrecision.values:
        problems["precision"] = [f"Use one of {', '.join(Article.DatePrecision.values)}."]
    return problems


def article_ingest(
    *,
    title: str,
    text: str,
    publication_date: date | None,
    created_by: User,
    precision: str = Article.DatePrecision.DAY,
    outlet: str = "",
    authors: Sequence[AuthorName | str] = (),
    url: str = "",
    today: date | None = None,
) -> Article:
    """Store a new article, its outlet and its authors in their order (each found by the
    slug of the name, created if new). The same text twice is refused, naming the
    article that has it: its claims are already there."""
    _require_staff(created_by, "created_by", "add articles")
    names = [entry if isinstance(entry, AuthorName) else AuthorName(entry) for entry in authors]
    _refuse_controls(
        {
            "title": title,
            "outlet": outlet,
            "url": url,
            "authors": " ".join(f"{entry.name} {entry.affiliation}" for entry in names),
        }
    )
    title = " ".join((title or "").split())
    text = normalize_text(text)
    problems = _check_article(
        title=title,
        text=text,
        publication_date=publication_date,
        precision=precision,
        authors=sum(1 for entry in names if entry.name.strip()),
        today=today or timezone.now().date(),
    )
    if problems:
        raise ValidationError(problems)
    assert publication_date is not None
    url = _clean_url(url)
    names = [entry for entry in names if entry.name.strip()]
    with transaction.atomic():
        same = Article.objects.filter(text_sha256=text_digest(text)).first()
        if same is not None:
            raise ValidationError(
                {"text": [f"This text is already stored as “{same.title}” ({same.slug})."]}
            )
        article = Article.objects.create(
            slug=_article_slug(title),
            title=title,
            outlet=outlet_for_name(name=outlet) if outlet.strip() else None,
            publication_date=publication_date,
            publication_date_precision=precision,
            url=url,
            text=text,
        )
        seen: set[int] = set()
        for position, entry in enumerate(names):
            person = person_for_name(
                name=entry.name, affiliation=entry.affiliation, field="authors"
            )
            if person.pk in seen:
                continue  # the same name twice on a byline is one author
            seen.add(person.pk)
            ArticleAuthor.objects.create(article=article, person=person, position=position)
    logger.info("Article %s added by %s", article.slug, created_by.username)
    return article


# --- Proposing claims -------------------------------------------------------------------


Extractor = Callable[[str, date], Sequence["Proposal"]]


def default_extractor() -> Extractor:
    # Imported here: the extractor loads spaCy, which only proposing needs.
    from claims.extraction import extract_claims

    def extract(text: str, published: date) -> Sequence[Proposal]:
        return extract_claims(text, published=published)

    return extract


def _text_or_blank(value: Any, limit: int) -> str:
    return (str(value) if value else "")[:limit]


def _claim_from_proposal(article: Article, proposal: Proposal) -> Claim | None:
    start, end = int(proposal.start), int(proposal.end)
    if not (0 <= start < end <= len(article.text)) or article.text[start:end] != proposal.passage:
        # The stored passage must be the text at its offsets; a proposal that is not is
        # the extractor's mistake, and is left out rather than stored wrong.
        logger.warning("Proposal at %s-%s of %s is not verbatim: skipped", start, end, article.slug)
        return None
    low, high = proposal.low, proposal.high
    if low is None or high is None or not 0 <= low <= high <= 1:
        low = high = None
    speaker = None
    speaker_name = proposal.speaker
    if speaker_name:
        affiliation = proposal.speaker_affiliation or ""
        try:
            speaker = person_for_name(name=speaker_name, affiliation=affiliation)
        except ValidationError:
            # A "name" longer than a name can be is the extractor's misreading: the claim
            # is proposed without a speaker, for staff to name.
            logger.warning("Speaker %r of %s not kept", speaker_name[:60], article.slug)
    return Claim(
        article=article,
        passage=proposal.passage,
        start=start,
        end=end,
        speaker=speaker,
        expression=_text_or_blank(proposal.expression, max_length(Claim, "expression")),
        low=low,
        high=high,
        table=_text_or_blank(proposal.table, max_length(Claim, "table")) if low is not None else "",
        horizon_text=_text_or_blank(proposal.horizon_text, max_length(Claim, "horizon_text")),
        horizon_start=proposal.horizon_start,
        horizon_end=proposal.horizon_end,
        status=Claim.Status.PROPOSED,
    )


def claims_propose(*, article_id: int, extractor: Extractor | None = None) -> list[Claim]:
    """Run the extractor over the article's text and store what it finds as proposed
    claims; returns the new ones. Idempotent: a span that already has a claim, in any
    status (a dismissed one included: it was reviewed), is not proposed again. Named
    speakers become Person records."""
    extract = extractor or default_extractor()
    with transaction.atomic():
        # The article's row is locked so two runs at once cannot both insert a span.
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None:
            raise ValidationError({"article": ["No such article."]})
        proposals = list(extract(article.text, article.publication_date))
        taken = set(Claim.objects.filter(article=article).values_list("start", "end"))
        created = []
        for proposal in proposals:
            if (int(proposal.start), int(proposal.end)) in taken:
                continue
            claim = _claim_from_proposal(article, proposal)
            if claim is None:
                continue
            claim.save()
            taken.add((claim.start, claim.end))
            created.append(claim)
    logger.info("%d claims proposed in %s", len(created), article.slug)
    return created


# --- Reviewing a claim --------------------------------------------------------------------


def _locked_claim(claim_id: int) -> Claim:
    claim = Claim.objects.select_for_update().select_related("article").filter(pk=claim_id).first()
    if claim is None:
        raise ValidationError({"claim": ["No such claim."]})
    return claim


def claim_accept(*, claim_id: int, accepted_by: User) -> Claim:
    """A proposed claim becomes an accepted (untracked) one; a dismissed one is restored
    as accepted, its reason cleared. Accepting an accepted claim changes nothing."""
    _require_staff(accepted_by, "accepted_by", "accept claims")
    try:
        with transaction.atomic():
            claim = _locked_claim(claim_id)
            if claim.status != Claim.Status.ACCEPTED:
                claim.status = Claim.Status.ACCEPTED
                claim.dismissed_reason = ""
                claim.save(update_fields=["status", "dismissed_reason", "updated_at"])
    except IntegrityError:
        # The constraint on spans: another claim of the article has these offsets.
        raise ValidationError(
            {"claim": ["Another claim of this article has the same passage."]}
        ) from None
    return claim


def claim_dismiss(*, claim_id: int, reason: str, dismissed_by: User) -> Claim:
    """Dismiss a claim, saying why ("a description of the past, not a forecast"). A claim
    a question tracks is not dismissed: its question scores it."""
    _require_staff(dismissed_by, "dismissed_by", "dismiss claims")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Say why the claim is dismissed."]})
    if len(reason) > DISMISS_REASON_MAX_LENGTH:
        raise ValidationError({"reason": [f"At most {DISMISS_REASON_MAX_LENGTH} characters."]})
    with transaction.atomic():
        claim = _locked_claim(claim_id)
        tracking = list(
            ClaimLink.objects.filter(claim=claim).values_list("question__slug", flat=True)
        )
        if tracking:
            raise ValidationError(
                {"claim": [f"Questions track this claim ({', '.join(tracking)}): keep it."]}
            )
        claim.status = Claim.Status.DISMISSED
        claim.dismissed_reason = reason
        claim.save(update_fields=["status", "dismissed_reason", "updated_at"])
    return claim


@dataclass(frozen=True)
class ClaimEdit:
    """A claim as staff write it: every editable field. The passage must be the
    article's text at `start`..`end`; with `start` and `end` None it is looked for in the
    text (the occurrence nearest the claim's old place). `speaker` is a name (blank for
    none), found or created as a Person."""

    passage: str
    start: int | None = None
    end: int | None = None
    expression: str = ""
    low: float | None = None
    high: float | None = None
    table: str = ""
    horizon_text: str = ""
    horizon_start: date | None = None
    horizon_end: date | None = None
    speaker: str = ""
    speaker_affiliation: str = ""

    @classmethod
    def of(cls, claim: Claim) -> ClaimEdit:
        """The claim's fields as they stand, to change some of them."""
        return cls(
            passage=claim.passage,
            start=claim.start,
            end=claim.end,
            expression=claim.expression,
            low=claim.low,
            high=claim.high,
            table=claim.table,
            horizon_text=claim.horizon_text,
            horizon_start=claim.horizon_start,
            horizon_end=claim.horizon_end,
            speaker=claim.speaker.name if claim.speaker else "",
        )


def _nearest_occurrence(text: str, passage: str, near: int) -> int | None:
    found, at = [], text.find(passage)
    while at >= 0:
        found.append(at)
        at = text.find(passage, at + 1)
    return min(found, key=lambda start: abs(start - near)) if found else None


def _clean_span(text: str, edit: ClaimEdit, *, near: int) -> tuple[str, int, int]:
    passage = edit.passage or ""
    if edit.start is None and edit.end is None:
        passage = passage.strip()
        if not passage:
            raise ValidationError({"passage": [REQUIRED]})
        start = _nearest_occurrence(text, passage, near)
        if start is None:
            raise ValidationError(
                {"passage": ["Not found in the article's text: copy it character for character."]}
            )
        return passage, start, start + len(passage)
    if edit.start is None or edit.end is None:
        raise ValidationError(
            {"end" if edit.end is None else "start": ["Give both offsets, or neither."]}
        )
    start, end = edit.start, edit.end
    if not 0 <= start < end <= len(text):
        raise ValidationError({"end": [f"The offsets must satisfy 0 ≤ start < end ≤ {len(text)}."]})
    if passage and text[start:end] != passage:
        raise ValidationError(
            {
                "passage": [
                    f"The text at {start}–{end} is not this passage, character for character."
                ]
            }
        )
    return text[start:end], start, end


def _clean_range(edit: ClaimEdit, problems: dict[str, list[str]]) -> None:
    low, high = edit.low, edit.high
    for name, value in (("low", low), ("high", high)):
        if value is not None and not 0 <= value <= 1:
            problems[name] = ["A probability between 0 and 1, e.g. 0.55."]
    if problems:
        return
    if (low is None) != (high is None):
        problems["high" if high is None else "low"] = [
            "Give both ends of the range (the same number twice for a single value)."
        ]
    elif low is not None and high is not None:
        if low > high:
            problems["high"] = ["The high end must not be below the low end."]
        elif edit.table not in known_tables():
            problems["table"] = [f"Use one of {', '.join(known_tables())}."]
    elif edit.table:
        problems["low"] = ["Give the range the table was read as, or leave the table blank."]


def _clean_edit_texts(edit: ClaimEdit, problems: dict[str, list[str]]) -> None:
    for name in ("expression", "horizon_text", "speaker", "speaker_affiliation"):
        found = control_character(getattr(edit, name) or "")
        if found:
            problems[name] = [CONTROL_MESSAGE.format(found)]
    for name in ("expression", "horizon_text"):
        limit = max_length(Claim, name)
        if len((getattr(edit, name) or "").strip()) > limit:
            problems[name] = [f"At most {limit} characters."]
    if edit.horizon_start and edit.horizon_end and edit.horizon_start > edit.horizon_end:
        problems["horizon_end"] = ["The horizon must not end before it starts."]


def _apply_edit(claim: Claim, edit: ClaimEdit, *, text: str) -> None:
    problems: dict[str, list[str]] = {}
    _clean_range(edit, problems)
    _clean_edit_texts(edit, problems)
    if problems:
        raise ValidationError(problems)
    claim.passage, claim.start, claim.end = _clean_span(text, edit, near=claim.start or 0)
    claim.expression = (edit.expression or "").strip()
    claim.low, claim.high = edit.low, edit.high
    claim.table = edit.table if edit.low is not None else ""
    claim.horizon_text = (edit.horizon_text or "").strip()
    claim.horizon_start, claim.horizon_end = edit.horizon_start, edit.horizon_end
    claim.speaker = (
        person_for_name(name=edit.speaker, affiliation=edit.speaker_affiliation)
        if (edit.speaker or "").strip()
        else None
    )


def _span_taken(claim: Claim) -> ValidationError:
    return ValidationError({"passage": ["Another claim of this article has exactly this passage."]})


def claim_update(*, claim_id: int, edit: ClaimEdit, updated_by: User) -> Claim:
    """Rewrite a claim's passage, expression, range, table, horizon and speaker. Once a
    question tracks it, its passage and range are fixed: they are what was scored."""
    _require_staff(updated_by, "updated_by", "edit claims")
    try:
        with transaction.atomic():
            claim = _locked_claim(claim_id)
            before = {"passage": (claim.start, claim.end), "low": claim.low, "high": claim.high}
            _apply_edit(claim, edit, text=claim.article.text)
            after = {"passage": (claim.start, claim.end), "low": claim.low, "high": claim.high}
            # Named by the field that moved, so the form and the API show it there.
            moved = [name for name in before if before[name] != after[name]]
            if moved and ClaimLink.objects.filter(claim=claim).exists():
                fixed = "A question tracks this claim: its passage and range are fixed."
                raise ValidationError({name: [fixed] for name in moved})
            claim.save()
    except IntegrityError:
        raise _span_taken(claim) from None
    return claim


def claim_create(*, article_id: int, edit: ClaimEdit, created_by: User) -> Claim:
    """A claim staff found themselves: accepted from the start."""
    _require_staff(created_by, "created_by", "add claims")
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise ValidationError({"article": ["No such article."]})
    claim = Claim(article=article, status=Claim.Status.ACCEPTED, created_by=created_by)
    try:
        with transaction.atomic():
            _apply_edit(claim, edit, text=article.text)
            claim.save()
    except IntegrityError:
        raise _span_taken(claim) from None
    return claim


# --- Drafting a question from a claim -------------------------------------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _day_end(day: date) -> datetime:
    # The last second of the day, so the close's date is the horizon's last day: the
    # date claims.provenance reads back as a direct question's horizon.
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


# A successor's window is never shorter than this.
SUCCESSOR_MIN_DAYS = 30


@dataclass(frozen=True)
class _Window:
    opens: datetime
    closes: datetime
    link: str
    said: str


def claim_window(claim: Claim, *, now: datetime) -> _Window:
    """The question's window for a claim: from the article's publication (or from now,
    if that is later) to the end of the claim's horizon, a direct link. A claim without
    a horizon gets a year from publication. When that window is already over, the
    question can only follow the claim over a new window from today, of the same
    length: a successor, which refers to the claim without scoring the article."""
    published = claim.article.publication_date
    start = claim.horizon_start or published
    end = claim.horizon_end or (published + DEFAULT_WINDOW)
    closes = _day_end(end)
    opens = max(_midnight(start), now.replace(second=0, microsecond=0))
    if closes > opens + timedelta(days=1):
        said = (
            f"The window runs to the end of the claim's horizon ({claim.horizon_text}, "
            f"{end.isoformat()})."
            if claim.horizon_end
            else "The article gives no horizon: the window runs a year from its publication."
        )
        return _Window(opens, closes, Question.ProvenanceLink.DIRECT, said)
    days = max((end - start).days, SUCCESSOR_MIN_DAYS)
    today = now.date()
    return _Window(
        _midnight(today),
        _day_end(today + timedelta(days=days)),
        Question.ProvenanceLink.SUCCESSOR,
        "The claim's own window is over: this question follows it over a new window "
        f"of the same length from {today.isoformat()}.",
    )


def _draft_texts(claim: Claim, window: _Window) -> dict[str, str]:
    article = claim.article
    passage = " ".join(claim.passage.split())
    said_by = f" ({claim.speaker.name})" if claim.speaker else ""
    short = passage if len(passage) <= 200 else passage[:199].rstrip() + "…"
    return {
        "title": f"Will it happen as the article says: “{short}”?"[:300],
        "background": (
            f"Drawn from “{article.title}” ({article.publication_date_display}){said_by}: "
            f"“{passage}” {window.said}"
        ),
        "resolution_criteria": (
            "Resolves Yes if what the passage forecasts happens by the close of the window; "
            "otherwise No. [Draft: write exactly what counts and the source that settles it.]"
        ),
    }


def _question_provenance(claim: Claim) -> dict[str, Any]:
    """The implied range as the question records it: the claim's, toward Yes, with the
    table it was read with (a likelihood table's key, or `number` for a stated figure)."""
    if claim.low is None or claim.table not in question_table_keys():
        return {}
    return {
        "implied_probability_low": claim.low,
        "implied_probability_high": claim.high,
        "implied_probability_table": claim.table,
        "implied_probability_term": claim.expression[
            : max_length(Question, "implied_probability_term")
        ],
    }


def claim_draft_question(*, claim_id: int, by: User, now: datetime | None = None) -> Question:
    """Draft a question that tracks an accepted claim: its provenance filled in (the
    article, the passage, the implied range toward Yes and the term and table it was
    read with, a direct link speaking for Yes) and its window from the claim's horizon
    (see `claim_window`), through the authoring page's own rules (question_draft_create).
    The claim's link is made with the draft, so the review page shows it as drafted and
    a second click returns the same draft; scoring only ever reads published, resolved
    questions, so a draft's link scores nothing until the question is published and
    resolved. Staff then write the title and criteria in the draft editor."""
    _require_staff(by, "by", "draft questions")
    now = now or timezone.now()
    with transaction.atomic():
        claim = _locked_claim(claim_id)
        if claim.status != Claim.Status.ACCEPTED:
            raise ValidationError({"claim": ["Accept the claim before drafting a question."]})
        existing = (
            Question.objects.filter(claim_links__claim=claim, published_at__isnull=True)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return existing
        window = claim_window(claim, now=now)
        texts = _draft_texts(claim, window)
        question = question_draft_create(
            draft=QuestionDraft(
                title=texts["title"],
                resolution_criteria=texts["resolution_criteria"],
                background=texts["background"],
                open_time=window.opens,
                scheduled_close_time=window.closes,
                scheduled_resolve_time=window.closes + RESOLVE_AFTER_CLOSE,
                article=claim.article,
                source_passage=claim.passage,
                provenance_link=window.link,
                provenance_direction=Question.ProvenanceDirection.YES,
                **_question_provenance(claim),
            ),
            created_by=by,
        )
        ClaimLink.objects.create(
            claim=claim,
            question=question,
            kind=window.link,
            direction=ClaimLink.Direction.YES,
        )
        if window.link == ClaimLink.Kind.DIRECT:
            # The article is scored as a forecaster on a direct link: its system user
            # exists from now on, rather than from the provenance sweep's next run.
            article_forecasters_ensure(article_ids=[claim.article_id])
        # The claim is written after its question: the provenance sync reads its fields
        # (the expression in full, which the question's term may shorten) as the claim's
        # own until the question's provenance is edited.
        Claim.objects.filter(pk=claim.pk).update(updated_at=timezone.now())
    return question
