"""The scoring rules, each declared once: its key, the Score column that stores it, its
label, which way is better, how its numbers are written, how leaderboards total it, what
it means in plain words, where SCORING.md defines it, and the question types it applies
to. Models, serializers, exports, CSVs, pages, emails and score cards read this module;
none of them spells a rule out again.

Adding a rule: its core function in `scoring.core` (filling a field of the scored pairs),
one entry below, and a migration for its Score column (`makemigrations` writes it). The
pages, the API, the exports and the leaderboards then carry it.

Pure Python: `scoring.core` and Django both stay out, so it is cheap to type strictly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

BINARY = "binary"

# The two ways a rule's per-question values become one figure (SCORING.md §8).
MEAN = "mean"
"""The mean over questions (Accuracy, Daily Brier)."""
COVERAGE = "coverage"
"""The total over questions divided by max(FORESEER_COVERAGE_FLOOR, total coverage)."""

# What weights a value: the share of scored days with a forecast standing (daily rules) or
# the share of the scheduled window the forecasts stood (continuous rules). Both are
# Score columns.
PARTICIPATION = "participation"
WINDOW_COVERAGE = "coverage"


class UnknownRule(KeyError):
    """No rule has this key."""


@dataclass(frozen=True)
class Rule:
    key: str
    """The rule's name in URLs, the API, exports and CSVs."""
    column: str
    """The Score column holding each forecaster's value on each question."""
    core_field: str
    """The field of `scoring.core.batch.ScoredPairs` the core fills with it."""
    label: str
    """Its name in a sentence or a menu: "Peer score"."""
    short_label: str
    """Its name in a table header: "Peer"."""
    lower_is_better: bool
    direction: str
    """Which way is better, in words: "positive beats the other forecasters"."""
    unit: str
    """What its numbers count, in words ("Brier points", "points", "nats")."""
    places: int
    """Decimals written."""
    signed: bool
    """Written with its sign (+0.012), where the sign is the message."""
    total: str
    """MEAN or COVERAGE: how leaderboards make one figure of many questions."""
    weight: str
    """PARTICIPATION or WINDOW_COVERAGE: the Score column that weights it."""
    nullable: bool
    """Null when the forecaster had nothing to score under it (no full scored day)."""
    formula: str
    """The computation, in one line."""
    explanation: str
    """What the rule does, in plain words, for a forecaster reading their scores."""
    section: str
    """Where SCORING.md defines it."""
    question_types: tuple[str, ...] = (BINARY,)

    @property
    def divides_by_coverage(self) -> bool:
        return self.total == COVERAGE

    @property
    def headline(self) -> str:
        """The label with the direction: "Peer score (positive beats the other
        forecasters)", for menus and the API's descriptions."""
        return f"{self.label} ({self.direction})"

    @property
    def description(self) -> str:
        """The formula and the direction, for the API and the exports."""
        return f"{self.label}: {self.formula}; {self.direction}"

    def format(self, value: float | None, *, places: int | None = None) -> str:
        """The value as pages and emails write it; a missing value is a dash."""
        if value is None or value != value:
            return "—"
        digits = self.places if places is None else places
        return f"{value:+.{digits}f}" if self.signed else f"{value:.{digits}f}"

    def compare(self, mine: float | None, other: float | None) -> str:
        """ "better than", "worse than" or "the same as" `other`, as written (two values
        that print the same are the same for the reader); "" when either is missing."""
        if mine is None or other is None:
            return ""
        if self.format(mine) == self.format(other):
            return "the same as"
        return "better than" if (mine < other) == self.lower_is_better else "worse than"


ACCURACY = Rule(
    key="accuracy",
    column="accuracy",
    core_field="accuracy",
    label="Accuracy score",
    short_label="Accuracy",
    lower_is_better=True,
    direction="negative beats the crowd",
    unit="Brier points",
    places=3,
    signed=True,
    total=MEAN,
    weight=PARTICIPATION,
    nullable=True,
    formula="(daily Brier - the crowd's median daily Brier) x participation",
    explanation=(
        "Your Daily Brier minus the crowd's, times your participation (the share of scored "
        "days you were active). Negative means you beat the crowd; forecasting on more days "
        "makes it count for more, in either direction."
    ),
    section="§3",
)

DAILY_BRIER = Rule(
    key="daily_brier",
    column="daily_brier",
    core_field="daily_brier",
    label="Daily Brier",
    short_label="Daily Brier",
    lower_is_better=True,
    direction="0 best, 2 worst",
    unit="Brier points",
    places=3,
    signed=False,
    total=MEAN,
    weight=PARTICIPATION,
    nullable=True,
    formula="2 x (p - outcome)^2 of the forecast standing at the end of each full UTC day, "
    "averaged over the days you were active",
    explanation=(
        "Each full UTC day you had a forecast, the one standing at the end of the day is "
        "scored 2 × (your probability of yes − the outcome)², the outcome counting 1 for "
        "yes and 0 for no; your Daily Brier is the mean over those days. 0 is perfect, a "
        "50% forecast scores 0.5, and certainty on the wrong answer scores 2."
    ),
    section="§3",
)

PEER = Rule(
    key="peer",
    column="peer",
    core_field="peer",
    label="Peer score",
    short_label="Peer",
    lower_is_better=False,
    direction="positive beats the other forecasters",
    unit="points",
    places=1,
    signed=True,
    total=COVERAGE,
    weight=WINDOW_COVERAGE,
    nullable=False,
    formula="100 x (ln p - the mean ln p of the other forecasters), time-weighted",
    explanation=(
        "At every moment, 100 × (ln of the probability you gave the actual outcome − the "
        "mean of the other forecasters' ln), weighted by how long it held as a share of the "
        "scheduled window. Peer scores on a question add up to 0 over its forecasters."
    ),
    section="§4",
)

BASELINE = Rule(
    key="baseline",
    column="baseline",
    core_field="baseline",
    label="Baseline score",
    short_label="Baseline",
    lower_is_better=False,
    direction="positive beats a 50% guess",
    unit="points",
    places=1,
    signed=True,
    total=COVERAGE,
    weight=WINDOW_COVERAGE,
    nullable=False,
    formula="100 x log2(2p), time-weighted",
    explanation=(
        "100 × log2(2 × the probability you gave the actual outcome), weighted by how long "
        "each forecast stood: 0 for a 50% forecast, up to +100 for certainty on the right "
        "answer over the whole window, below 0 when you leaned the wrong way."
    ),
    section="§4",
)

LOG = Rule(
    key="log",
    column="log",
    core_field="log",
    label="Log score",
    short_label="Log",
    lower_is_better=False,
    direction="0 best",
    unit="nats",
    places=3,
    signed=False,
    total=COVERAGE,
    weight=WINDOW_COVERAGE,
    nullable=False,
    formula="ln p (natural log), time-weighted",
    explanation=(
        "The natural log of the probability you gave the actual outcome, weighted the same "
        "way: 0 is best, and a 50% forecast standing the whole window scores −0.693. It "
        "punishes confident mistakes hard."
    ),
    section="§4",
)

# In the order pages list them: Good Judgment Open's rule, the comparison with the crowd
# built on it, then Metaculus's.
_RULES: dict[str, Rule] = {rule.key: rule for rule in (DAILY_BRIER, ACCURACY, PEER, BASELINE, LOG)}

DEFAULT = ACCURACY
"""The rule a leaderboard shows unless asked for another (Good Judgment Open's headline)."""


def rules() -> tuple[Rule, ...]:
    """Every rule, in the order pages list them. Read at each call: nothing keeps a copy."""
    return tuple(_RULES.values())


def rule_keys() -> tuple[str, ...]:
    return tuple(_RULES)


def get(key: str) -> Rule:
    try:
        return _RULES[key]
    except KeyError:
        raise UnknownRule(key) from None


def choices() -> list[tuple[str, str]]:
    """(key, headline) pairs, for model fields and forms."""
    return [(rule.key, rule.headline) for rule in _RULES.values()]


def stored_columns() -> tuple[str, ...]:
    """The Score columns the rules store, each once, in the order of the rules."""
    return tuple(dict.fromkeys(rule.column for rule in _RULES.values()))


@contextmanager
def registered(rule: Rule) -> Iterator[Rule]:
    """`rule` joins the registry for the duration (for tests of what carries a new rule)."""
    if rule.key in _RULES:
        raise ValueError(f"A rule {rule.key!r} exists already.")
    _RULES[rule.key] = rule
    try:
        yield rule
    finally:
        del _RULES[rule.key]
