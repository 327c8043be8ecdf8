"""Track-record reads: what each subject's record holds, the comparison with the crowd and
the minimum-claims line, the leaderboard and term calibration; and that each costs a
fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import ClaimLink
from scoring.selectors.track_records import (
    compared_rule,
    compared_rules,
    leaderboard,
    term_calibration,
    track_record,
    track_record_rows,
)
from tests.factories import ArticleFactory, OutletFactory, PersonFactory, UserFactory
from tests.track_records import (
    ACCURACY,
    BRIER,
    build_track_world,
    claim,
    community,
    forecaster_of,
    resolved_question,
    score,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.FORESEER_TRACK_RECORD_MIN_CLAIMS = 5
    settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES = 100
    return build_track_world()


def test_the_compared_rules_come_from_the_registry():
    assert compared_rules() == (BRIER, ACCURACY)
    assert compared_rule(BRIER.key) is BRIER


def test_an_outlets_record_holds_every_tracked_claim_of_its_articles(world):
    record = track_record(kind="outlet", subject=world.outlet)
    # Six direct links to resolved questions, one to an open question, one proxy; the
    # untracked claim has no row and the dismissed claim's link is not shown.
    assert record.links == 8 and record.tracked_claims == 8
    assert {row.question_slug for row in record.claims} == {
        *(q.slug for q in world.resolved),
        world.open.slug,
        world.proxy.slug,
    }
    # Five of the six resolved direct links came true (the proxy is not counted).
    assert (record.outcomes.k, record.outcomes.n) == (5, 6)
    brier = record.comparison(BRIER)
    assert brier.comparison.n == 6 and brier.enough
    assert brier.comparison.difference.value == pytest.approx(-0.1)
    assert brier.verdict == "better" and brier.verdict_words == "better than the crowd"
    # Accuracy: the articles' mean of (brier - 0.3) against the crowd's 0.
    accuracy = record.comparison(ACCURACY)
    assert accuracy.comparison.source.value == pytest.approx(0.2 + 0.05 * 2.5 - 0.3)
    assert accuracy.comparison.crowd.value == 0.0


def test_an_export_is_bounded_and_keeps_the_records_order(world):
    every = track_record_rows(kind="outlet", subject=world.outlet)
    first = track_record_rows(kind="outlet", subject=world.outlet, limit=2)
    assert len(every) > 2
    assert [row.question_slug for row in first] == [row.question_slug for row in every[:2]]


def test_rows_carry_outcomes_and_only_direct_links_carry_scores(world):
    rows = {
        row.question_slug: row for row in track_record_rows(kind="outlet", subject=world.outlet)
    }
    last = rows[world.resolved[-1].slug]
    assert last.came_true is False and last.is_scored
    assert last.score(BRIER) == pytest.approx(0.45) and last.crowd_score(BRIER) == pytest.approx(
        0.55
    )
    assert rows[world.resolved[0].slug].came_true is True
    assert rows[world.resolved[0].slug].expression == " Likely"
    proxy = rows[world.proxy.slug]
    assert proxy.link == ClaimLink.Kind.PROXY and proxy.scores == {} and not proxy.is_scored
    assert rows[world.open.slug].came_true is None
    assert rows[world.open.slug].range_display == "20–40%"


def test_an_article_below_the_line_gets_no_verdict(world):
    record = track_record(kind="article", subject=world.first)
    assert record.comparison(BRIER).comparison.n == 3
    assert not record.enough
    assert record.comparison(BRIER).verdict is None


def test_speaker_and_author_records(world):
    speaker = track_record(kind="speaker", subject=world.speaker)
    # Her six direct claims and the proxy; not the open question's claim (no speaker).
    assert speaker.links == 7
    assert speaker.comparison(BRIER).verdict == "better"
    author = track_record(kind="author", subject=world.author)
    assert author.links == 8


def test_two_claims_of_one_article_on_one_question_score_once(world):
    question = world.resolved[0]
    extra = claim(world.first, world.speaker, start=1300)
    ClaimLink.objects.create(claim=extra, question=question, kind="direct", direction="yes")
    record = track_record(kind="speaker", subject=world.speaker)
    assert record.links == 8
    assert record.comparison(BRIER).comparison.n == 6


def test_the_claims_list_is_paged(world):
    record = track_record(kind="outlet", subject=world.outlet, offset=2, limit=3)
    assert len(record.claims) == 3 and record.links == 8


def test_a_track_record_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        track_record(kind="outlet", subject=world.outlet, limit=50)


def test_the_leaderboard_ranks_speakers_and_outlets_beside_the_crowd(world):
    board = leaderboard(kind="speakers", rule=BRIER)
    assert [row.slug for row in board.rows] == [world.speaker.slug]
    assert board.ranked == 1 and board.rows[0].verdict == "better"
    assert board.questions == 6
    assert board.crowd.value == pytest.approx(sum(0.3 + 0.05 * n for n in range(6)) / 6)
    outlets = leaderboard(kind="outlets", rule=ACCURACY)
    assert [row.slug for row in outlets.rows] == [world.outlet.slug]
    authors = leaderboard(kind="authors", rule=BRIER)
    assert [row.slug for row in authors.rows] == [world.author.slug]


def test_below_the_line_follows_unranked(world, settings):
    settings.FORESEER_TRACK_RECORD_MIN_CLAIMS = 7
    board = leaderboard(kind="outlets", rule=BRIER)
    assert board.ranked == 0 and board.rows[0].verdict is None


def test_the_best_forecasters_are_real_people_on_the_same_questions(world):
    good, bad, few = UserFactory(username="good"), UserFactory(username="bad"), UserFactory()
    for question in world.resolved:
        crowd = question.scores.get(user=community()).value(BRIER)
        score(good, question, brier=crowd - 0.2, accuracy=-0.2)
        score(bad, question, brier=crowd + 0.2, accuracy=0.2)
    score(few, world.resolved[0], brier=0.0, accuracy=-1.0)  # below the line
    board = leaderboard(kind="speakers", rule=BRIER)
    assert [row.username for row in board.forecasters] == ["good", "bad"]
    assert board.forecasters[0].difference == pytest.approx(-0.2)
    assert board.forecasters[0].n == 6


def queries_of(read):
    with CaptureQueriesContext(connection) as queries:
        read()
    return len(queries)


def test_the_leaderboard_and_term_calibration_cost_a_fixed_number_of_queries(world):
    reads = [
        lambda: leaderboard(kind="speakers", rule=BRIER),
        lambda: leaderboard(kind="authors", rule=ACCURACY),
        lambda: term_calibration(),
        lambda: track_record(kind="outlet", subject=world.outlet),
    ]
    before = [queries_of(read) for read in reads]
    assert max(before) <= 10
    # More speakers, authors, outlets, articles, expressions and forecasters: the same.
    for number in range(4):
        article = ArticleFactory(
            outlet=OutletFactory(name=f"Outlet {number}"), author=f"W {number}"
        )
        question = resolved_question(f"extra-{number}", "no")
        made = claim(article, PersonFactory(), start=0, expression=f"word {number}")
        ClaimLink.objects.create(claim=made, question=question, kind="direct")
        score(forecaster_of(article), question, brier=0.1, accuracy=-0.1)
        score(community(), question, brier=0.2, accuracy=0.0)
        score(UserFactory(), question, brier=0.3, accuracy=0.1)
    assert [queries_of(read) for read in reads] == before


def test_term_calibration_counts_resolved_direct_claims(world):
    terms = term_calibration()
    # " Likely" is read as "likely"; "could" is on an open question; the proxy is not counted.
    assert [row.expression for row in terms.rows] == ["likely"]
    likely = terms.rows[0]
    assert (likely.outcome.k, likely.outcome.n) == (5, 6)
    assert likely.range_display == "55–80%" and likely.table_label == "ICD 203 (2015)"
    assert not likely.ranges_vary
    assert likely.within_range is True
    assert term_calibration(outlet=world.outlet).total == 1


def test_term_calibration_of_another_outlet_is_empty(world):
    assert term_calibration(outlet=OutletFactory(name="Elsewhere")).rows == []


def test_wordings_merge_as_the_tables_compare_them_and_varied_ranges_are_said(world):
    question = resolved_question("talks-spaced", "no")
    made = claim(world.first, None, start=1600, expression="LIKELY ", low=0.6, high=0.85)
    ClaimLink.objects.create(claim=made, question=question, kind="direct")
    (likely,) = term_calibration().rows
    assert (likely.expression, likely.outcome.k, likely.outcome.n) == ("likely", 5, 7)
    assert likely.ranges_vary and (likely.low, likely.high) == (0.55, 0.85)
    assert likely.table_label == "ICD 203 (2015)"
