"""An article's direct claim is scored like a forecaster who never joins the crowd: a
constant forecast at its range's midpoint, toward Yes or No, from the later of the
article's publication and the question's open until the close. No one else's score moves,
and it is ranked nowhere."""

import io
import json
from datetime import UTC, date, datetime
from unittest import mock

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse

from claims.models import ClaimLink
from claims.services.provenance import claims_sync_provenance
from questions.services import question_resolve
from scoring import registry
from scoring.core.batch import QuestionWindows, ResolvedForecasts
from scoring.core.rules import score_batch
from scoring.models import Score
from scoring.scopes import Scope
from scoring.scorecard import score_card
from scoring.selectors import scope_scores, scores_for_question
from scoring.services import question_score, questions_needing_scores
from tests.clients import logged_in
from tests.factories import EXAMPLE_B_FORECASTS, ArticleFactory, example_b_question
from tests.web.analysts import analyst_user

pytestmark = pytest.mark.django_db

PASSAGE = "It is increasingly probable that the talks resume."
OPEN = datetime(2016, 11, 1, tzinfo=UTC)
KNOWN = datetime(2016, 11, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_broker():
    with mock.patch("pipeline.tasks.score_question.delay") as delay:
        yield delay


def tracked_question(staff, *, published=date(2016, 10, 30), direction="yes", **provenance):
    article = ArticleFactory(
        slug="the-pillar",
        title="The Pillar",
        text=f"Some context first. {PASSAGE} More text.",
        publication_date=published,
        author="Jane Byline",
    )
    question, _ = example_b_question(
        article=article,
        source_passage=PASSAGE,
        implied_probability_low=0.55,
        implied_probability_high=0.80,
        implied_probability_table="icd203",
        implied_probability_term="increasingly probable",
        provenance_direction=direction,
        **provenance,
    )
    question_resolve(question=question, outcome="yes", known_at=KNOWN, resolved_by=staff)
    return question


def rows_of(question):
    columns = [f.attname for f in Score._meta.concrete_fields if f.name != "id"]
    return {
        row[0]: row
        for row in Score.objects.filter(question=question)
        .select_related("user")
        .values_list("user__username", *columns)
    }


@pytest.mark.parametrize("published", [date(2016, 10, 30), date(2016, 11, 3)])
def test_no_score_of_the_crowd_or_the_community_moves_when_a_claim_is_tracked(staff, published):
    question = tracked_question(staff, published=published)
    question_score(question_id=question.pk)
    before = rows_of(question)
    assert set(before) == {"george", "kramer", "community"}
    claims_sync_provenance()
    question_score(question_id=question.pk)
    after = rows_of(question)
    assert "article:the-pillar" in after
    # Exactly equal, not merely close: the claim is scored in a batch of its own.
    assert {user: row for user, row in after.items() if user != "article:the-pillar"} == before


def by_hand(p_yes: float, start: datetime) -> dict[str, tuple[float, float]]:
    """The claim as a constant forecast at `p_yes`, beside George's and Kramer's
    forecasts, scored by the same core: (value, coverage) by rule."""
    crowd = [
        (u, p, datetime.fromisoformat(t).replace(tzinfo=UTC)) for u, p, t in EXAMPLE_B_FORECASTS
    ]
    users = {"george": 1, "kramer": 2}
    n = len(crowd)
    forecasts = ResolvedForecasts.binary(
        question=np.zeros(n + 1, dtype=np.int64),
        user=[users[u] for u, _, _ in crowd] + [99],
        created_at=[int(t.timestamp()) for _, _, t in crowd] + [int(start.timestamp())],
        order=np.arange(n + 1),
        p_yes=[p for _, p, _ in crowd] + [p_yes],
        outcome=[1],
        in_crowd=[True] * n + [False],
    )
    windows = QuestionWindows.from_arrays(
        open_time=[int(OPEN.timestamp())],
        scheduled_close=[int(KNOWN.timestamp())],
        actual_close=[int(KNOWN.timestamp())],
    )
    pairs = score_batch(forecasts, windows).pairs
    claim = int(np.flatnonzero(pairs.user == 99)[0])
    weight = {
        registry.PARTICIPATION: pairs.participation[claim],
        registry.WINDOW_COVERAGE: pairs.coverage[claim],
    }
    return {
        rule.key: (float(getattr(pairs, rule.core_field)[claim]), float(weight[rule.weight]))
        for rule in registry.rules()
    }


@pytest.mark.parametrize(
    ("direction", "published", "p_yes", "start"),
    [
        # Published before the question opened: it stands from the open.
        ("yes", date(2016, 10, 30), 0.675, OPEN),
        # The claim speaks for No: its own range is the mirror, 20-45 %, and its forecast
        # on the question's Yes is 1 - 0.325.
        ("no", date(2016, 10, 30), 1 - 0.325, OPEN),
        # Published after the open: it stands from its publication day.
        ("yes", date(2016, 11, 3), 0.675, datetime(2016, 11, 3, tzinfo=UTC)),
    ],
)
def test_the_exported_claim_rows_equal_a_constant_forecast_at_the_midpoint(
    staff, direction, published, p_yes, start
):
    question = tracked_question(staff, direction=direction, published=published)
    claims_sync_provenance()
    question_score(question_id=question.pk)
    out = io.StringIO()
    call_command("export_scores", "--question", question.slug, "--format", "json", stdout=out)
    exported = {
        row["rule"]: (row["value"], row["coverage"])
        for row in json.loads(out.getvalue())
        if row["user"] == "article:the-pillar"
    }
    assert list(json.loads(out.getvalue())[0]) == ["question", "user", "rule", "value", "coverage"]
    expected = by_hand(p_yes, start)
    assert set(exported) == set(expected) == set(registry.rule_keys())
    for key, (value, coverage) in expected.items():
        assert exported[key] == pytest.approx((value, coverage), rel=1e-12, abs=1e-12), key


@pytest.mark.parametrize("link", ["proxy", "successor"])
def test_only_a_direct_link_scores_the_article(staff, link):
    question = tracked_question(staff, provenance_link=link)
    claims_sync_provenance()
    question_score(question_id=question.pk)
    assert "article:the-pillar" not in rows_of(question)


def test_a_claim_without_a_range_is_tracked_not_scored(staff):
    question = tracked_question(staff)
    claims_sync_provenance()
    ClaimLink.objects.get().claim.__class__.objects.update(low=None, high=None)
    question_score(question_id=question.pk)
    assert "article:the-pillar" not in rows_of(question)


def test_the_claim_is_named_by_article_and_speaker_and_ranked_nowhere(staff):
    question = tracked_question(staff)
    claims_sync_provenance()
    question_score(question_id=question.pk)
    rows = {row["user"]: row for row in scores_for_question(question=question)}
    claim = rows["article:the-pillar"]
    assert (claim["is_claim"], claim["is_community"], claim["article"]) == (
        True,
        False,
        "the-pillar",
    )
    assert claim["display_name"] == "The Pillar (article) — Jane Byline"
    assert rows["george"]["is_claim"] is False
    assert rows["community"]["is_community"] is True
    scores = scope_scores(scope=Scope.parse("all"))
    users = set(scores.columns["user_id"].tolist())
    assert {s.user_id for s in Score.objects.filter(user__username="george")} <= users
    assert not users & set(
        Score.objects.filter(user__username="article:the-pillar").values_list("user_id", flat=True)
    )


def test_a_link_made_after_the_scores_brings_the_question_back_to_the_sweep(staff):
    question = tracked_question(staff)
    question_score(question_id=question.pk)
    assert question.pk not in questions_needing_scores()
    claims_sync_provenance()
    assert question.pk in questions_needing_scores()
    question_score(question_id=question.pk)
    assert question.pk not in questions_needing_scores()


def test_the_api_and_the_question_page_show_the_claim_beside_the_crowd(staff, client, api_client):
    question = tracked_question(staff)
    claims_sync_provenance()
    question_score(question_id=question.pk)
    data = api_client.get(reverse("api:question-scores", args=[question.slug])).json()
    claim = next(row for row in data["scores"] if row["is_claim"])
    assert (claim["user"], claim["article"], claim["speaker"]) == (
        "article:the-pillar",
        "the-pillar",
        None,
    )
    page = client.get(reverse("questions:detail", args=[question.slug]))
    html = page.content.decode()
    assert "The Pillar (article) — Jane Byline" in html
    claims = page.context["claims"]
    assert len(claims) == 1
    low, middle, high = claims[0].points
    # Resolved Yes: 2 x (p - 1)^2 at each point of the range.
    assert (low.daily_brier, middle.daily_brier, high.daily_brier) == pytest.approx(
        (2 * 0.45**2, 2 * 0.325**2, 2 * 0.2**2)
    )
    assert middle.daily_brier == pytest.approx(claims[0].row[registry.DAILY_BRIER.key])
    assert middle.accuracy == pytest.approx(claims[0].row[registry.ACCURACY.key])
    assert 'data-testid="claim-scores"' in html
    assert "55–80%" in html


def test_the_analysts_page_lists_the_claim_apart_from_the_forecasters(staff):
    question = tracked_question(staff)
    claims_sync_provenance()
    question_score(question_id=question.pk)
    response = logged_in(analyst_user()).get(
        reverse("scoring:analysis_question", args=[question.slug])
    )
    assert [row["user"] for row in response.context["claims"]] == ["article:the-pillar"]
    assert "article:the-pillar" not in {row["user"] for row in response.context["rows"]}
    assert "The Pillar (article) — Jane Byline" in response.content.decode()


def test_the_score_card_ranks_the_forecasters_without_the_claim(staff):
    question = tracked_question(staff)
    claims_sync_provenance()
    question_score(question_id=question.pk)
    rows = scores_for_question(question=question)
    card = score_card(scores=rows, username="george", crowd_mean=None, scored_days=None)
    peer = next(line for line in card if line.key == registry.PEER.key)
    # Two forecasters, whatever the claim (and the community forecast) scored.
    assert "of 2 forecasters" in peer.meaning
