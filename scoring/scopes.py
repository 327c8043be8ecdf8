"""Scopes of leaderboards and calibration: which questions (and, for groups, which
forecasters) a table is built from.

A scope is written `all`, `tag:<slug>`, `article:<slug>`, `project:<slug>`,
`year:<yyyy>` (questions whose outcome became known that UTC year) or `group:<name>` (the
forecasters in a user group). Leaderboards exist for all but groups; calibration for all
but years (a year of resolutions mixes questions that have not all closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from questions.models import Question

ALL = "all"
KINDS = ("all", "tag", "article", "project", "year", "group")
LEADERBOARD_KINDS = frozenset({"all", "tag", "article", "project", "year"})
CALIBRATION_KINDS = frozenset({"all", "tag", "article", "project", "group"})


class ScopeError(ValueError):
    """A scope that cannot be parsed; the message says what is expected."""


@dataclass(frozen=True)
class Scope:
    kind: str
    key: str = ""

    @classmethod
    def parse(cls, text: str) -> Scope:
        text = (text or "").strip()
        if text == ALL:
            return cls(ALL)
        kind, _, key = text.partition(":")
        if kind not in KINDS or kind == ALL or not key:
            raise ScopeError(
                f"{text!r} is not a scope: use all, tag:<slug>, article:<slug>, "
                "project:<slug>, year:<yyyy> or group:<name>."
            )
        if kind == "year" and not (key.isdigit() and len(key) == 4):
            raise ScopeError(f"{text!r}: a year scope is year:<yyyy>, e.g. year:2026.")
        return cls(kind, key)

    def __str__(self) -> str:
        return self.kind if self.kind == ALL else f"{self.kind}:{self.key}"

    @property
    def has_leaderboard(self) -> bool:
        return self.kind in LEADERBOARD_KINDS

    @property
    def has_calibration(self) -> bool:
        return self.kind in CALIBRATION_KINDS

    def question_filter(self, *, path: str = "") -> Q:
        """The scope's questions, as a filter on Question (groups: every question); with
        `path` (e.g. "question__") on a model that leads to Question."""
        if self.kind == "tag":
            return Q(**{f"{path}tags__slug": self.key})
        if self.kind == "article":
            return Q(**{f"{path}article__slug": self.key})
        if self.kind == "project":
            return Q(**{f"{path}projects__slug": self.key})
        if self.kind == "year":
            year = int(self.key)
            return Q(
                **{
                    f"{path}known_at__gte": datetime(year, 1, 1, tzinfo=UTC),
                    f"{path}known_at__lt": datetime(year + 1, 1, 1, tzinfo=UTC),
                }
            )
        return Q()

    def questions(self, questions: QuerySet[Question] | None = None) -> QuerySet[Question]:
        questions = Question.objects.all() if questions is None else questions
        return questions.filter(self.question_filter()).distinct()


def scopes_of_question(question: Question, *, groups: list[str] | None = None) -> list[str]:
    """Every materialized scope a question's scores count in."""
    scopes = [ALL]
    scopes += [f"tag:{tag.slug}" for tag in question.tags.all()]
    scopes += [f"project:{project.slug}" for project in question.projects.all()]
    if question.article is not None:
        scopes.append(f"article:{question.article.slug}")
    if question.known_at is not None:
        scopes.append(f"year:{question.known_at.astimezone(UTC).year}")
    scopes += [f"group:{name}" for name in groups or []]
    return scopes
