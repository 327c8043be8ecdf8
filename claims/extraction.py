"""Proposing claims: the forecast-like sentences of an article's text.

`extract_claims(text, published=...)` reads the text and returns `Proposal`s, one per
sentence that says something about the future: a likelihood wording from the tables
(`common.likelihood`), a stated probability ("a 60 % chance", "one in three"), or a
horizon ("within six months", "by 2030"). It writes nothing; staff review each proposal
before it becomes a claim. docs/claims.md gives the rules and why.

The text is read with spaCy's blank English pipeline and its rule-based sentencizer
(no statistical model to download); wordings are found with a `PhraseMatcher` on lower
case, figures with a `Matcher`. Horizons (`claims.horizons`) and speakers
(`claims.speakers`) are small grammars of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from claims.horizons import Horizon, horizons_find
from claims.speakers import Attribution, attributions_find, full_name, speaker_for
from common import likelihood

KIND_LIKELIHOOD = "likelihood"
KIND_NUMBER = "number"
KIND_HORIZON = "horizon"

# Words that make a figure a probability: "a 60 % chance", "odds of one in three".
_PROBABILITY_NOUNS = ["chance", "chances", "probability", "likelihood", "odds", "risk"]
# How far back a probability noun may stand from its figure, and the words that make
# the figure a size or a change rather than the probability itself.
_NOUN_REACH = 8
_SIZE_WORDS = frozenset(
    [
        "by",
        "rose",
        "fell",
        "grew",
        "increased",
        "decreased",
        "dropped",
        "jumped",
        "climbed",
        "declined",
        "exceeding",
        "exceeded",
        "over",
        "above",
        "below",
        "than",
    ]
)
_FRACTIONS = {
    "half": 2,
    "halves": 2,
    "third": 3,
    "thirds": 3,
    "quarter": 4,
    "quarters": 4,
    "fourth": 4,
    "fourths": 4,
    "fifth": 5,
    "fifths": 5,
    "tenth": 10,
    "tenths": 10,
}
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twenty": 20,
    "hundred": 100,
}
# An intensifier kept with the wording as written ("increasingly probable", "more
# likely"); the range stays the wording's own.
_MODIFIERS = frozenset({"increasingly", "more", "most", "quite", "fairly", "rather", "still"})
_NEGATORS = frozenset({"not", "n't", "never", "no"})
_MODALS = frozenset({"could", "may", "might"})
# Wordings that are also ordinary adjectives ("in certain cases", "it is possible to
# use"): they count only in a forecast's frame, "certain to/that", "possible that".
_FRAMED = {
    "certain": ("that", "to"),
    "possible": ("that",),
    "impossible": ("that",),
}
# Adverbs that count only beside a verb about what will be ("will certainly fall").
_ADVERBS = frozenset({"certainly", "possibly"})
_FUTURE_AUX = frozenset({"will", "would", "be", "become", "'ll", "shall"})


@dataclass(frozen=True)
class Proposal:
    """A proposed claim. `passage` is text[start:end], a whole sentence. `low`/`high`
    are the range the claim's own statement implies, from `table` (a likelihood table's
    key, or "number" for a stated figure); all three are None/"" for a horizon alone.
    The horizon may come from an earlier sentence or the section heading ("Short-term
    (Next 6 Months): ..."); its text is then not inside the passage. `speaker` is a
    quoted or attributed name, None for the article's own voice (its byline)."""

    passage: str
    start: int
    end: int
    expression: str
    low: float | None
    high: float | None
    table: str
    horizon_text: str
    horizon_start: date | None
    horizon_end: date | None
    speaker: str | None
    speaker_affiliation: str | None
    negated: bool
    kind: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings."""
        data = asdict(self)
        for key in ("horizon_start", "horizon_end"):
            value = data[key]
            data[key] = value.isoformat() if value is not None else None
        return data


@dataclass(frozen=True)
class _Reading:
    """What one sentence's likelihood wording or figure says."""

    expression: str
    low: float
    high: float
    table: str
    negated: bool
    kind: str


@dataclass(frozen=True)
class _Pipeline:
    nlp: Any
    phrases: PhraseMatcher
    numbers: Matcher


@Language.component("foreseer_quote_starts")
def _quote_starts(doc: Doc) -> Doc:
    """An opening quotation mark after a full stop starts the next sentence; the
    sentencizer keeps every punctuation mark after a full stop with the sentence it
    ends, which would give '... at KERI. “' and 'Seoul will ...”'."""
    for i in range(1, len(doc) - 1):
        token, before = doc[i], doc[i - 1]
        opening = token.text in ("“", "‘") or (token.text == '"' and before.whitespace_)
        if opening and before.text[-1:] in ".!?" and not doc[i + 1].is_punct:
            token.is_sent_start = True
            doc[i + 1].is_sent_start = False
    return doc


@cache
def _pipeline() -> _Pipeline:
    """Built once per process: the blank pipeline loads in a fraction of a second, but
    the matchers hold every table wording."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("foreseer_quote_starts", after="sentencizer")
    phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
    phrases.add("LIKELIHOOD", [nlp.make_doc(p) for p in likelihood.phrases()])
    numbers = Matcher(nlp.vocab)
    dash = {"TEXT": {"IN": ["-", "–"]}, "OP": "?"}
    numbers.add(
        "PERCENT",
        [
            [{"LIKE_NUM": True}, dash, {"LOWER": {"IN": ["%", "percent", "pct"]}}],
            [{"LIKE_NUM": True}, {"LOWER": "per"}, {"LOWER": "cent"}],
        ],
    )
    numbers.add("ONE_IN", [[{"LIKE_NUM": True}, dash, {"LOWER": "in"}, dash, {"LIKE_NUM": True}]])
    numbers.add(
        "FRACTION",
        [[{"LIKE_NUM": True}, dash, {"LOWER": {"IN": sorted(_FRACTIONS)}}], [{"LOWER": "half"}]],
    )
    return _Pipeline(nlp, phrases, numbers)


# ----------------------------------------------------------------- wordings


def _negated_before(doc: Doc | Span, start: int) -> bool:
    """A negator in the three tokens before, within the clause: "is not expected to",
    "not likely", "isn't likely"."""
    for i in range(start - 1, max(start - 4, 0) - 1, -1):
        token = doc[i]
        if token.is_punct:
            return False
        if token.lower_ in _NEGATORS:
            return True
    return False


def _next_lower(sent: Span, index: int) -> str:
    return sent[index].lower_ if index < len(sent) else ""


def _in_frame(sent: Span, start: int, end: int) -> bool:
    """Whether an ambiguous wording is used as a forecast (see `_FRAMED`, `_ADVERBS`)."""
    words = sent[start:end].text.lower()
    if words in _FRAMED:
        return _next_lower(sent, end) in _FRAMED[words]
    if words in _ADVERBS:
        near = {t.lower_ for t in sent[max(start - 2, 0) : end + 3]}
        return bool(near & _FUTURE_AUX)
    return True


def _is_month(sent: Span, start: int, end: int) -> bool:
    """ "May" the month: capitalised mid-sentence, or next to a number."""
    token = sent[start]
    if token.lower_ != "may" or end - start != 1:
        return False
    beside_number = any(0 <= i < len(sent) and sent[i].like_num for i in (start - 1, start + 1))
    return beside_number or (token.text == "May" and start > 0 and not sent[start - 1].is_punct)


def _modal_negation(sent: Span, start: int, end: int) -> bool | None:
    """For could/may/might the negator follows ("may not"). None means drop the match:
    "could not" mostly denies a past ability ("South Korea could not contribute much");
    a forecast that something cannot happen says "cannot" or "will not"."""
    words = sent[start:end].text.lower()
    if words not in _MODALS:
        return False
    follows = _next_lower(sent, end) in ("not", "n't")
    if follows and words == "could":
        return None
    return follows


def _wording(sent: Span, span: Span) -> _Reading | None:
    start, end = span.start - sent.start, span.end - sent.start
    if not _in_frame(sent, start, end) or _is_month(sent, start, end):
        return None
    modal = _modal_negation(sent, start, end)
    if modal is None:
        return None
    matches = likelihood.lookup(span.text)
    if not matches:
        return None
    first = matches[0]
    written_start = start - 1 if start > 0 and sent[start - 1].lower_ in _MODIFIERS else start
    negated = modal or _negated_before(sent, written_start)
    low, high = (1 - first.high, 1 - first.low) if negated else (first.low, first.high)
    expression = sent[written_start:end].text
    return _Reading(
        expression, round(low, 4), round(high, 4), first.table, negated, KIND_LIKELIHOOD
    )


def _wordings(sent: Span) -> Iterator[_Reading]:
    pipeline = _pipeline()
    # as_spans: doc-relative spans (plain tuples from a Span are relative to the span
    # for a Matcher but to the doc for a PhraseMatcher).
    spans = list(pipeline.phrases(sent, as_spans=True))
    for span in sorted(filter_spans(spans), key=lambda s: s.start):
        reading = _wording(sent, span)
        if reading is not None:
            yield reading


# ----------------------------------------------------------------- figures


def _number(token: Token) -> float | None:
    text = token.lower_.replace(",", "")
    if text in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[text])
    try:
        return float(text)
    except ValueError:
        return None


def _figure_value(label: str, span: Span) -> float | None:
    numbers = [n for n in (_number(t) for t in span if t.like_num) if n is not None]
    if label == "PERCENT":
        return numbers[0] / 100 if numbers else None
    if label == "ONE_IN":
        return numbers[0] / numbers[1] if len(numbers) == 2 and numbers[1] else None
    denominator = _FRACTIONS.get(span[-1].lower_)
    if denominator is None:
        return None
    return (numbers[0] if numbers else 1.0) / denominator


# A bound before a figure ("no more than 25 percent", "well under one in ten"): the
# range runs from 0 to the figure, or from the figure to 1.
_UPPER_BOUNDS = ("no more than", "not more than", "at most", "less than", "under", "below")
_LOWER_BOUNDS = ("at least", "no less than", "more than", "over", "above", "better than")
_BOUND_FILLERS = frozenset({"well", "just", "slightly", "far", "much"})
# "puts the chance of a deal between Brussels and Beijing at one in three": the noun
# may stand this far before "at" and its figure.
_AT_REACH = 16


def _bound(sent: Span, start: int) -> tuple[int, str]:
    """Where a bound before the figure at `start` begins, and which ("upper", "lower"
    or "" for none); "less than a 10% chance" has its article between."""
    probe = start - 1 if start > 0 and sent[start - 1].lower_ in ("a", "an") else start
    for kind, bounds in (("upper", _UPPER_BOUNDS), ("lower", _LOWER_BOUNDS)):
        for bound in bounds:
            size = len(bound.split())
            if probe - size >= 0 and sent[probe - size : probe].text.lower() == bound:
                begin = probe - size
                if begin > 0 and sent[begin - 1].lower_ in _BOUND_FILLERS:
                    begin -= 1
                return begin, kind
    return start, ""


def _put_at(sent: Span, start: int) -> bool:
    """Whether the figure follows "at" with a probability noun earlier in its clause:
    "puts the probability of Brent crude averaging under $60 a barrel next year at 40
    percent"."""
    before = start - 1
    while before > 0 and sent[before].lower_ in ("about", "around", "roughly", "nearly"):
        before -= 1
    if before <= 0 or sent[before].lower_ != "at":
        return False
    for i in range(before - 1, max(before - _AT_REACH, 0) - 1, -1):
        if sent[i].is_punct and sent[i].text not in ("$", "-", "–", "%"):
            return False
        if sent[i].lower_ in _PROBABILITY_NOUNS:
            return True
    return False


def _probability_noun(sent: Span, start: int, end: int) -> int | None:
    """Where the figure's probability noun ends: right after it ("60 % chance"), or the
    figure's own end if a noun comes earlier in its clause, at most eight words before
    ("the odds of a recession are about one in four"); None if there is none, so a size
    ("a contraction exceeding 15%") is no probability, nor a change ("the risk of war
    rose by 15%")."""
    for i in (end, end + 1):
        if i < len(sent) and sent[i].lower_ in _PROBABILITY_NOUNS:
            return i + 1
        if i < len(sent) and sent[i].text not in ("-", "–"):
            break
    if _put_at(sent, start):
        return end
    if start > 0 and sent[start - 1].lower_ in _SIZE_WORDS:
        return None
    for i in range(start - 1, max(start - _NOUN_REACH, 0) - 1, -1):
        if sent[i].is_punct:
            return None
        if sent[i].lower_ in _PROBABILITY_NOUNS:
            return end
    return None


def _figures(sent: Span) -> Iterator[_Reading]:
    pipeline = _pipeline()
    spans = filter_spans(list(pipeline.numbers(sent, as_spans=True)))
    for span in sorted(spans, key=lambda s: s.start):
        figure_start, end = span.start - sent.start, span.end - sent.start
        value = _figure_value(span.label_, span)
        start, bound = _bound(sent, figure_start)
        written_end = _probability_noun(sent, start, end)
        if value is None or written_end is None or not 0 <= value <= 1:
            continue
        written_start = start - 1 if start > 0 and sent[start - 1].lower_ in ("a", "an") else start
        expression = sent[written_start:written_end].text
        negated = _negated_before(sent, written_start)
        low, high = {"upper": (0.0, value), "lower": (value, 1.0)}.get(bound, (value, value))
        if negated:
            low, high = 1 - high, 1 - low
        yield _Reading(
            expression, round(low, 4), round(high, 4), likelihood.NUMBER, negated, KIND_NUMBER
        )


# ----------------------------------------------------------------- sentences


def _names_something(sent: Span) -> bool:
    """Whether the sentence names a party, place or thing: a capitalised word inside a
    clause. A wording in a sentence that names nothing and has no horizon states a
    general rule ("a state is likely to evaluate security ..."), not a forecast."""
    for i in range(1, len(sent)):
        token, before = sent[i], sent[i - 1]
        if not token.text[:1].isupper() or token.text == "I":
            continue
        if before.is_alpha or before.text == ",":
            return True
    return False


_BULLET = re.compile(r"^\s*[•·▪◦*\-–—]\s")
_TERMINAL = tuple('.!?:;"”’)]')
# A line at least this long that ends without a full stop was wrapped, not ended.
_WRAPPED_LINE = 60


def _continues(line: str, following: str) -> bool:
    """Whether `following` continues the sentence `line` breaks off: a hard-wrapped
    text file ("It is likely that the alliance / endures."), not a new paragraph or
    heading."""
    end = line.rstrip()
    if end.endswith(_TERMINAL) or _BULLET.match(following):
        return False
    return len(end.strip()) >= _WRAPPED_LINE or following.lstrip()[:1].islower()


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(offset, paragraph) for every paragraph: a line of its own (saved pages and the
    articles put one paragraph or one heading on a line, and a heading has no full stop
    for the sentencizer to see), or several when a text file wraps its lines."""
    start = end = -1
    previous = ""
    for match in re.finditer(r"[^\n]+", text):
        line = match.group(0)
        blank_between = text.count("\n", end, match.start()) > 1 if start >= 0 else True
        if not line.strip():
            continue
        if start >= 0 and not blank_between and _continues(previous, line):
            end, previous = match.end(), line
            continue
        if start >= 0:
            yield start, text[start:end]
        start, end, previous = match.start(), match.end(), line
    if start >= 0:
        yield start, text[start:end]


def _is_heading(line: str) -> bool:
    """A short line without a closing full stop, not a bulleted list item (numbered
    ones are often headings: "1. Framing the Endurance of the Alliance")."""
    stripped = line.strip()
    if _BULLET.match(line):
        return False
    return len(stripped) <= 120 and stripped[-1:] not in '.!?"”’'


@dataclass
class _Context:
    """What carries from one sentence to the next: the horizon of the section (set by a
    heading line) and of the paragraph (set by an earlier sentence)."""

    published: date
    section: Horizon | None = None
    paragraph: Horizon | None = None
    # Every attribution so far in the article, to give a surname its full name.
    speakers: list[Attribution] = field(default_factory=list)


def _shift(horizon: Horizon, offset: int) -> Horizon:
    return Horizon(
        horizon.text,
        horizon.start + offset,
        horizon.end + offset,
        horizon.date_start,
        horizon.date_end,
        horizon.relative,
        horizon.weak,
    )


def _reason(reading: _Reading | None, horizon: Horizon | None, own: bool) -> str:
    parts = []
    if reading is not None and reading.kind == KIND_NUMBER:
        parts.append(f"stated figure “{reading.expression}”")
    elif reading is not None:
        name = likelihood.table_name(reading.table)
        word = "negated " if reading.negated else ""
        parts.append(f"{word}“{reading.expression}” in {name}")
    if horizon is not None:
        where = "" if own else " (stated earlier in the paragraph or its heading)"
        parts.append(f"horizon “{horizon.text}”{where}")
    return "; ".join(parts)


def _build(
    sent: Span,
    start: int,
    reading: _Reading | None,
    horizon: Horizon | None,
    own: bool,
    speaker: Attribution | None,
) -> Proposal:
    expression, low, high, table, negated, kind = "", None, None, "", False, KIND_HORIZON
    if reading is not None:
        expression, low, high = reading.expression, reading.low, reading.high
        table, negated, kind = reading.table, reading.negated, reading.kind
    return Proposal(
        passage=sent.text,
        start=start,
        end=start + len(sent.text),
        expression=expression,
        low=low,
        high=high,
        table=table,
        horizon_text=horizon.text if horizon else "",
        horizon_start=horizon.date_start if horizon else None,
        horizon_end=horizon.date_end if horizon else None,
        speaker=speaker.name if speaker else None,
        speaker_affiliation=speaker.affiliation if speaker else None,
        negated=negated,
        kind=kind,
        reason=_reason(reading, horizon, own),
    )


# A forecast reported in the past tense ("Few at the time predicted that Chinese firms
# would ... within a year"): its relative horizon counts from then, not from publication.
_PAST_FORECAST = re.compile(
    r"\b(?:predicted|forecast|projected|expected|anticipated|warned|promised|thought|"
    r"believed|assumed)\b[^.;]*?\bwould\b",
    re.IGNORECASE,
)
# A horizon alone makes no claim in a requirement ("agencies must migrate ... over the
# next decade") or a question put indirectly ("Whether that spending buys a deterrent is
# ... one the next decade will answer"; not "Whether or not ...", which concedes).
_NO_HORIZON_CLAIM = re.compile(r"\bmust\b|^\W*whether\b(?!\s+or\s+not)", re.IGNORECASE)


def _own_horizons(sent: Span, published: date) -> list[Horizon]:
    """The sentence's horizons, less the relative ones of a past-tense forecast."""
    found = horizons_find(sent.text, published=published)
    past = _PAST_FORECAST.search(sent.text)
    if past is None:
        return found
    return [h for h in found if not (h.relative and h.start > past.start())]


def _proposal(
    sent: Span,
    offset: int,
    context: _Context,
    speaker: Attribution | None,
) -> Proposal | None:
    own = _own_horizons(sent, context.published)
    # A horizon that looks ahead dates the claim before a weak one ("this month").
    first = next((h for h in own if not h.weak), own[0]) if own else None
    horizon = _shift(first, offset + sent.start_char) if first else None
    readings = list(_figures(sent)) or list(_wordings(sent))
    reading = readings[0] if readings else None
    if horizon is not None and first is not None and not first.weak:
        # A weak horizon ("published this month") dates its own sentence only.
        context.paragraph = horizon
    inherited = context.paragraph or context.section
    if reading is None and (
        horizon is None or all(h.weak for h in own) or _NO_HORIZON_CLAIM.search(sent.text)
    ):
        # A horizon alone makes a claim only if it looks ahead and the sentence neither
        # states a requirement nor asks.
        return None
    # With no horizon anywhere, a wording must be about something named.
    if horizon is None and inherited is None and not _names_something(sent):
        return None
    return _build(sent, offset + sent.start_char, reading, horizon or inherited, bool(own), speaker)


def _trimmed(sent: Span) -> Span | None:
    """The sentence without surrounding whitespace tokens; None if nothing is left."""
    start, end = 0, len(sent)
    while start < end and sent[start].is_space:
        start += 1
    while end > start and sent[end - 1].is_space:
        end -= 1
    return sent[start:end] if start < end else None


def _paragraph_proposals(offset: int, line: str, doc: Doc, context: _Context) -> list[Proposal]:
    attributions = attributions_find(line)
    context.paragraph = None
    proposals = []
    for raw in doc.sents:
        sent = _trimmed(raw)
        # A question asks, it does not claim ("can the pillars ... be rebuilt?").
        if sent is None or sent.text.rstrip("”’\"')").endswith("?"):
            continue
        speaker = speaker_for(line, sent.start_char, sent.end_char, attributions)
        if speaker is not None:
            speaker = full_name(speaker, context.speakers)
        proposal = _proposal(sent, offset, context, speaker)
        if proposal is not None:
            proposals.append(proposal)
    context.speakers.extend(attributions)
    return proposals


def extract_claims(text: str, *, published: date) -> list[Proposal]:
    """The proposals in `text`, in order; horizons are dated from `published`.
    Every proposal's passage is text[start:end]."""
    pipeline = _pipeline()
    context = _Context(published=published)
    lines = list(_paragraphs(text))
    proposals: list[Proposal] = []
    for (offset, line), doc in zip(
        lines, pipeline.nlp.pipe(line for _, line in lines), strict=True
    ):
        heading = _is_heading(line)
        if heading:
            found = horizons_find(line, published=published)
            # A heading opens a section: its horizon (or none) holds until the next one.
            context.section = _shift(found[0], offset) if found else None
        in_line = _paragraph_proposals(offset, line, doc, context)
        if heading:
            # A short line without a full stop is a heading or a list item: a claim by
            # its wording or figure, never by its horizon alone ("Outlook (Next 6 Months)").
            in_line = [p for p in in_line if p.kind != KIND_HORIZON]
        proposals.extend(in_line)
    return proposals
