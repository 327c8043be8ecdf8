"""The scoring adapter, through the database: rebuilt rows, idempotence, the sweep."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from forecasts.imports import forecasts_import_csv
from pipeline.tasks import rescore_stale_questions, score_question
from questions.services import question_resolve
from scoring.models import QuestionScoring, Score
from scoring.services import question_score, questions_needing_scores
from tests.factories import ForecastFactory, QuestionFactory, example_b_question

pytestmark = pytest.mark.django_db

OPEN = datetime(2016, 11, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_broker():
    """Unit tests call tasks directly; nothing is sent to a broker."""
    with mock.patch("pipeline.tasks.score_question.delay") as delay:
        yield delay


def example_b(staff):
    """SCORING.md worked example B, stored as rows and resolved yes."""
    question, _ = example_b_question()
    question_resolve(
        question=question,
        outcome="yes",
        known_at=datetime(2016, 11, 8, tzinfo=UTC),
        resolved_by=staff,
    )
    return question


def score_table(question):
    """(user, rule) -> (value, coverage) for the daily rules, as the export shows them:
    the coverage of a daily rule is the participation."""
    table = {}
    for score in Score.objects.filter(question=question).select_related("user"):
        for rule in ("daily_brier", "accuracy"):
            table[(score.user.username, rule)] = (
                round(score.value(rule), 6),
                round(score.participation, 6),
            )
    return table


def people(table):
    return {key: value for key, value in table.items() if key[0] != "community"}


def test_worked_example_b_through_the_database(staff):
    question = example_b(staff)
    outcome = question_score(question_id=question.pk)
    # Two forecasters and the community forecast, one row each.
    assert (outcome.forecasts_scored, outcome.users_scored, outcome.rows_written) == (5, 2, 3)
    assert people(score_table(question)) == {
        ("george", "daily_brier"): (0.794286, 1.0),
        ("george", "accuracy"): (0.22, 1.0),
        ("kramer", "daily_brier"): (0.25, 0.857143),
        ("kramer", "accuracy"): (-0.277959, 0.857143),
    }


def test_scoring_twice_yields_identical_rows(staff):
    question = example_b(staff)
    columns = [f.attname for f in Score._meta.concrete_fields if f.name != "id"]
    score_question(question.pk)
    first = sorted(Score.objects.values_list(*columns))
    score_question(question.pk)
    assert sorted(Score.objects.values_list(*columns)) == first
    assert Score.objects.count() == 3


def test_a_correction_rescores_and_an_annulment_removes_scores(staff):
    question = example_b(staff)
    question_score(question_id=question.pk)
    question_resolve(
        question=question,
        outcome="no",
        known_at=datetime(2016, 11, 8, tzinfo=UTC),
        resolved_by=staff,
    )
    question_score(question_id=question.pk)
    # George's 0.30 is worth 2 * 0.3^2 = 0.18 on a "no".
    assert score_table(question)[("george", "daily_brier")][0] == pytest.approx(
        (0.18 * 2 + 2 * 0.4**2 * 5) / 7, abs=1e-6
    )
    for outcome in ("ambiguous", "annulled"):
        question_resolve(
            question=question,
            outcome=outcome,
            known_at=datetime(2016, 11, 8, tzinfo=UTC),
            resolved_by=staff,
        )
        question_score(question_id=question.pk)
        assert Score.objects.filter(question=question).count() == 0


def test_an_early_known_at_truncates_the_scored_days(staff):
    question = example_b(staff)
    question_resolve(
        question=question,
        outcome="yes",
        known_at=datetime(2016, 11, 3, 12, tzinfo=UTC),
        resolved_by=staff,
    )
    question_score(question_id=question.pk)
    # Two full days (11-01, 11-02): George 0.98 both days; Kramer active on 11-02 only.
    table = score_table(question)
    assert table[("george", "daily_brier")] == (0.98, 1.0)
    assert table[("kramer", "daily_brier")] == (0.32, 0.5)


def test_the_sweep_finds_scores_built_before_history_was_imported(staff, no_broker):
    """An import onto a resolved question asks for a rescore (scores_stale); if that
    message is lost, the sweep sees the question has more forecasts than its scores
    were built from."""
    question = example_b(staff)
    question_score(question_id=question.pk)
    assert QuestionScoring.objects.get(question=question).forecasts_seen == 5
    assert questions_needing_scores() == []

    forecasts_import_csv(
        text="question,user,probability,created_at\n"
        f"{question.slug},elaine,0.2,2016-11-04T10:00:00+00:00\n"
    )
    assert questions_needing_scores() == [question.pk]
    no_broker.reset_mock()
    assert rescore_stale_questions() == [question.pk]
    no_broker.assert_called_once_with(question.pk)

    question_score(question_id=question.pk)
    scoring = QuestionScoring.objects.get(question=question)
    assert (scoring.forecasts_seen, scoring.forecasts_scored) == (6, 6)
    assert questions_needing_scores() == []


def test_forecasts_the_scores_leave_out_do_not_make_them_stale(staff):
    """Every forecast is counted, scored or not: one made after the outcome was known,
    and those on an annulled question, leave the scores current once rebuilt."""
    question = example_b(staff)
    question_resolve(
        question=question,
        outcome="yes",
        known_at=datetime(2016, 11, 4, tzinfo=UTC),
        resolved_by=staff,
    )
    annulled, _ = example_b_question(slug="annulled-b")
    question_resolve(
        question=annulled,
        outcome="annulled",
        known_at=datetime(2016, 11, 8, tzinfo=UTC),
        resolved_by=staff,
    )
    ForecastFactory(
        question=question, probability=0.9, created_at=datetime(2016, 11, 6, tzinfo=UTC)
    )
    question_score(question_id=question.pk)
    question_score(question_id=annulled.pk)
    seen = dict(QuestionScoring.objects.values_list("question__slug", "forecasts_seen"))
    assert seen == {question.slug: 6, "annulled-b": 5}
    # The four made before the outcome was known (11-04) are scored.
    assert QuestionScoring.objects.get(question=question).forecasts_scored == 4
    assert questions_needing_scores() == []


def test_the_sweep_finds_missing_and_stale_scores(staff, no_broker):
    question = example_b(staff)
    unresolved = QuestionFactory()
    assert questions_needing_scores() == [question.pk]
    question_score(question_id=question.pk)
    assert questions_needing_scores() == []
    # A correction whose scoring message was lost.
    question_resolve(
        question=question,
        outcome="no",
        known_at=timezone.now() - timedelta(days=1),
        resolved_by=staff,
    )
    assert questions_needing_scores() == [question.pk]
    no_broker.reset_mock()
    assert rescore_stale_questions() == [question.pk]
    no_broker.assert_called_once_with(question.pk)
    assert unresolved.pk not in questions_needing_scores()
    scoring = QuestionScoring.objects.get(question=question)
    assert scoring.forecasts_scored == 5


def test_scoring_a_deleted_question_is_a_no_op():
    assert score_question(987654) == {"question_id": 987654, "rows": 0}
