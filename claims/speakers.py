"""Who says a sentence: a quoted or attributed speaker, or nobody (the byline).

Rules, in order (docs/claims.md):

1. An attribution in the sentence itself names its speaker: "explains Dr. Emily Carter,
   a specialist ... at Georgetown University", "said Park Jae-sung", "Park Jae-sung
   said", "according to the IMF", "a report from the RAND Corporation estimates".
2. "She put the chance ...", "he said": the person attributed last before it in the
   paragraph.
3. A sentence inside quotation marks belongs to the nearest attribution of the same
   paragraph (a quotation often runs on after its "explains X").
4. Otherwise the article's own voice: None, meaning the byline's authors.

A later mention by surname is the person named in full earlier in the article
(`full_name`, which the extractor applies across paragraphs).

A name is a run of capitalised words; honorifics ("Dr.", "Prof.") are dropped, since
one person is one record across articles. Unnamed sources ("some analysts predict")
are no speaker: the claim stays the article's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERBS = (
    r"(?:says|said|explains|explained|argues|argued|notes|noted|adds|added|warns|warned|"
    r"predicts|predicted|estimates|estimated|expects|expected|believes|believed|told|"
    r"writes|wrote|forecasts|forecast|projects|projected|cautions|cautioned|contends|"
    r"contended|observes|observed|suggests|suggested|concludes|concluded|insists|insisted|"
    r"thinks|thought)"
)
_HONORIFIC = (
    r"(?:Dr|Prof|Professor|Mr|Mrs|Ms|Gen|General|Adm|Admiral|Sen|Senator|Rep|Ambassador|"
    r"President|Minister|Secretary)\.?"
)
_WORD = r"[A-Z][\w’'.\-]*"
# At most six words: a name is short, and the bound keeps a long run of capitalised
# words (a title-case line) from costing quadratic backtracking.
_NAME = (
    rf"(?:{_HONORIFIC}\s+)?{_WORD}"
    rf"(?:\s+(?:(?:of|for)\s+(?:the\s+)?|de\s+|van\s+|von\s+)?{_WORD}){{0,5}}"
)
_AFFILIATION = r"(?:,\s+(?:(?:a|an|the)\s+)?(?P<affiliation>[^.;:“”\"]{3,160}?))?(?=[.;:“”\"]|$)"

# Verb before the name: '... ," explains Dr. Emily Carter, a specialist at X.'
_VERB_NAME = re.compile(rf"\b{_VERBS}\s+(?P<name>{_NAME}){_AFFILIATION}")
# Name before the verb: "Park Jae-sung said", "The RAND Corporation estimates that".
_NAME_VERB = re.compile(
    rf"(?P<name>{_NAME})(?:,\s+(?:(?:a|an|the)\s+)?(?P<affiliation>[^,]{{3,120}}),)?\s+{_VERBS}\b"
)
# "according to the IMF", "according to Dr. Carter"
_ACCORDING = re.compile(rf"\b[Aa]ccording\s+to\s+(?:the\s+)?(?P<name>{_NAME})")
# "a report from the RAND Corporation", "a study by the Korea Development Institute",
# "analysts surveyed by the Harrow Institute", "a survey of 120 engineers published by X"
_REPORT = re.compile(
    r"\b(?:(?:report|study|analysis|survey|poll|paper|assessment|forecast|estimate|"
    r"projection)s?(?:\s+[^.;:“”\"]{0,80}?\s+(?:published|conducted|released|commissioned))?"
    r"|surveyed|polled|interviewed)"
    rf"\s+(?:from|by)\s+(?:the\s+)?(?P<name>{_NAME})"
)
# A figure put on a chance: "Halden Capital puts the probability of ... at 40 percent",
# "analysts at Crestline Advisory give it roughly a 30 percent chance".
_PUTS = re.compile(
    rf"(?P<name>{_NAME})\s+(?:puts?|gives?|places?)\s+(?:the|its|it|their)\b"
    r"(?=[^.;]{0,80}?\b(?:chance|chances|odds|probability|likelihood)\b)"
)
_PATTERNS = (_VERB_NAME, _ACCORDING, _REPORT, _PUTS, _NAME_VERB)
# "She put the chance ...", "he said": the person named last before it.
_PRONOUN = re.compile(rf"(?:^|[,;:]\s+|[.”\"]\s+)(?:[Ss]he|[Hh]e)\s+(?:{_VERBS}|puts?|gives?)\b")
# Words that make "X of Y" one name ("Bank of Korea", "Secretary of State"); without
# one, "Priya Raman of Meridian Energy Analytics" is a person and her organisation.
_INSTITUTION_WORDS = frozenset(
    [
        "bank",
        "university",
        "institute",
        "institution",
        "department",
        "ministry",
        "council",
        "secretary",
        "minister",
        "chamber",
        "board",
        "office",
        "bureau",
        "commission",
        "committee",
        "federation",
        "association",
        "school",
        "college",
        "centre",
        "center",
        "academy",
        "corporation",
        "society",
        "union",
        "league",
        "republic",
        "kingdom",
        "states",
        "director",
        "chair",
        "chairman",
        "head",
        "president",
        "governor",
        "court",
        "house",
        "fund",
        "agency",
        "foundation",
        "forum",
        "government",
        "people",
        "army",
        "navy",
        "party",
        "city",
        "province",
        "state",
        "museum",
        "organization",
        "organisation",
        "group",
    ]
)

# Capitalised words that are not names when they start an attribution.
_NOT_NAMES = frozenset(
    [
        "it",
        "they",
        "he",
        "she",
        "we",
        "i",
        "you",
        "this",
        "that",
        "these",
        "those",
        "some",
        "many",
        "most",
        "few",
        "several",
        "analysts",
        "officials",
        "experts",
        "observers",
        "critics",
        "sources",
        "the",
        "a",
        "an",
        "one",
        "others",
        "both",
        "all",
        "there",
    ]
)


@dataclass(frozen=True)
class Attribution:
    name: str
    affiliation: str | None
    start: int  # offsets of the attribution's match in the text searched
    end: int


def _split_of(name: str) -> tuple[str, str | None]:
    """A person "of" an organisation: the name and the organisation."""
    head, sep, tail = name.partition(" of ")
    if not sep or not 2 <= len(head.split()) <= 3:
        return name, None
    if any(word.lower() in _INSTITUTION_WORDS for word in head.split()):
        return name, None
    return head, re.sub(r"^the\s+", "", tail)


def _clean_name(raw: str) -> str | None:
    name = re.sub(rf"^{_HONORIFIC}\s+", "", raw.strip())
    name = re.sub(r"^(?:The|A|An)\s+", "", name)
    name = name.rstrip(".,’'")
    words = name.split()
    if not words or words[0].lower() in _NOT_NAMES or len(name) < 2:
        return None
    return name


def attributions_find(text: str) -> list[Attribution]:
    """Every attribution in `text` (a paragraph), in order, none overlapping."""
    found: list[Attribution] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < a.end and a.start < end for a in found):
                continue
            name = _clean_name(match.group("name"))
            if name is None:
                continue
            name, organisation = _split_of(name)
            groups = match.groupdict()
            affiliation = (groups.get("affiliation") or "").strip() or organisation
            found.append(Attribution(name, affiliation, start, end))
    return sorted(found, key=lambda a: a.start)


def full_name(speaker: Attribution, earlier: list[Attribution]) -> Attribution:
    """A later mention by one name ("Lin argues", "Ferreira puts") is the person named
    in full earlier in the article, if exactly one earlier name begins or ends with it."""
    if " " in speaker.name:
        return speaker
    matches = {
        a.name: a
        for a in earlier
        if " " in a.name and speaker.name in (a.name.split()[0], a.name.split()[-1])
    }
    if len(matches) != 1:
        return speaker
    [match] = matches.values()
    return Attribution(match.name, match.affiliation, speaker.start, speaker.end)


def quoted_at(text: str, offset: int) -> bool:
    """Whether `offset` in `text` is inside quotation marks (curly ones counted in
    pairs, straight double quotes toggling), or opens a quotation."""
    depth = 0
    straight = False
    for char in text[:offset]:
        if char == "“":
            depth += 1
        elif char == "”":
            depth = max(0, depth - 1)
        elif char == '"':
            straight = not straight
    opens = text[offset : offset + 1] in ('"', "“")
    return depth > 0 or straight or opens


def speaker_for(
    paragraph: str, start: int, end: int, attributions: list[Attribution]
) -> Attribution | None:
    """The speaker of the sentence at paragraph[start:end], by the module's rules."""
    inside = [a for a in attributions if start <= a.start and a.end <= end + 1]
    if inside:
        return inside[0]
    if _PRONOUN.search(paragraph[start:end]):
        before = [a for a in attributions if a.end <= start]
        return before[-1] if before else None
    if not attributions or not quoted_at(paragraph, start):
        return None
    return min(attributions, key=lambda a: min(abs(a.start - end), abs(a.end - start)))
