"""A small world of tracked claims for the track-record tests: an outlet, an author, a
quoted speaker, two articles, claims linked to resolved and open questions (directly and
by proxy), and score rows written directly, as scoring leaves them: the article's
forecaster and the community forecast on each resolved question."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from accounts.usernames import COMMUNITY_USERNAME
from claims.models import ArticleForecaster, Claim, ClaimLink
from questions.models import Article, ArticleAuthor, Outlet, Person, Question
from scoring import registry
from scoring.models import Score
from tests.factories import ArticleFactory, OutletFactory, PersonFactory, QuestionFactory

BRIER, ACCURACY = registry.DAILY_BRIER, registry.ACCURACY


def system_user(username: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"origin": User.Origin.SYSTEM})
    return user


def community() -> User:
    return system_user(COMMUNITY_USERNAME)


def score(user: User, question: Question, *, brier: float, accuracy: float) -> Score:
    values = {rule.column: 0.0 for rule in registry.rules()}
    values[BRIER.column] = brier
    values[ACCURACY.column] = accuracy
    return Score.objects.create(
        question=question,
        user=user,
        forecasts=1,
        active_days=10,
        participation=1.0,
        coverage=1.0,
        **values,
    )


def forecaster_of(article: Article) -> User:
    user = system_user(f"article:{article.slug}")
    ArticleForecaster.objects.get_or_create(article=article, defaults={"user": user})
    return user


def resolved_question(slug: str, outcome: str) -> Question:
    opened = timezone.now() - timedelta(days=60)
    return QuestionFactory(
        slug=slug,
        open_time=opened,
        scheduled_close_time=opened + timedelta(days=30),
        resolution=outcome,
        known_at=opened + timedelta(days=20),
        resolution_set_at=opened + timedelta(days=21),
    )


def claim(article: Article, speaker: Person | None, *, start: int, expression: str = "likely",
          low: float = 0.55, high: float = 0.8, table: str = "icd203") -> Claim:  # fmt: skip
    passage = article.text[start : start + 10] or "x"
    return Claim.objects.create(
        article=article,
        passage=passage,
        start=start,
        end=start + len(passage),
        speaker=speaker,
        expression=expression,
        low=low,
        high=high,
        table=table,
    )


@dataclass
class TrackWorld:
    outlet: Outlet
    author: Person
    speaker: Person
    first: Article
    second: Article
    resolved: list[Question]
    open: Question
    proxy: Question


def build_track_world(*, resolved: int = 6) -> TrackWorld:
    """`resolved` questions, each tracking a "likely" claim of Dr. Carter's directly: the
    even ones in the first article, the odd ones in the second. All but the last came
    true. The articles beat the crowd's Daily Brier by 0.1 on every one. Also a direct
    link to an open question, a proxy link, an untracked and a dismissed claim."""
    outlet = OutletFactory(name="Daily Planet")
    author = PersonFactory(name="Lois Lane", affiliation="Daily Planet")
    speaker = PersonFactory(name="Emily Carter", affiliation="Georgetown University")
    text = "It is likely that the talks resume. " * 40
    first = ArticleFactory(slug="planet-one", title="Talks ahead", outlet=outlet, text=text)
    second = ArticleFactory(slug="planet-two", title="Talks again", outlet=outlet, text=text)
    for article in (first, second):
        ArticleAuthor.objects.create(article=article, person=author)
    crowd = community()
    questions = []
    for number in range(resolved):
        came_true = number < resolved - 1
        question = resolved_question(f"talks-{number}", "yes" if came_true else "no")
        article = (first, second)[number % 2]
        made = claim(article, speaker, start=number * 36, expression=" Likely")
        ClaimLink.objects.create(claim=made, question=question, kind="direct", direction="yes")
        brier = 0.2 + 0.05 * number
        score(forecaster_of(article), question, brier=brier, accuracy=brier - 0.3)
        score(crowd, question, brier=brier + 0.1, accuracy=0.0)
        questions.append(question)
    open_question = QuestionFactory(slug="talks-open")
    ClaimLink.objects.create(
        claim=claim(first, None, start=900, expression="could", low=0.2, high=0.4,
                    table="hedge_survey"),
        question=open_question,
        kind="direct",
        direction="no",
    )  # fmt: skip
    proxy = resolved_question("talks-proxy", "yes")
    ClaimLink.objects.create(
        claim=claim(second, speaker, start=1000), question=proxy, kind="proxy", direction="yes"
    )
    claim(first, author, start=1100)  # accepted, tracked by nothing
    dismissed = claim(first, speaker, start=1200)
    dismissed.status = Claim.Status.DISMISSED
    dismissed.save()
    ClaimLink.objects.create(claim=dismissed, question=questions[0], kind="direct")
    return TrackWorld(
        outlet=outlet,
        author=author,
        speaker=speaker,
        first=first,
        second=second,
        resolved=questions,
        open=open_question,
        proxy=proxy,
    )
