"""One question with 100,000 forecasts from 20,000 forecasters, resolved and scored end to
end through PostgreSQL: the resolution service, then the scoring task's work (read the
forecasts, every rule, the community median scored as a pseudo-forecaster, replace the
score rows), as the worker runs it.

    python bench/question_100k.py [--forecasts N] [--users N] [--repeat N]
"""

from __future__ import annotations

import argparse

import numpy as np

from bench._django import Timer, empty_database, load_forecasts, load_users, machine
from bench._synthetic import DAY, Synthetic


def one_question(forecasts: int, users: int) -> Synthetic:
    rng = np.random.default_rng(7)
    open_time = np.array([1_735_689_600])  # 2025-01-01
    close = open_time + 365 * DAY
    created = np.sort(rng.integers(open_time[0] - 5 * DAY, close[0], forecasts))
    return Synthetic(
        open_time=open_time,
        scheduled_close=close,
        actual_close=close,
        outcome=np.array([1]),
        question=np.zeros(forecasts, dtype=np.int64),
        user=rng.integers(1, users + 1, forecasts),
        created_at=created,
        order=np.arange(forecasts),
        p_yes=np.round(rng.uniform(0.02, 0.98, forecasts), 3),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--forecasts", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from datetime import UTC, datetime
    from unittest import mock

    from accounts.models import User
    from questions.models import Question
    from questions.services import question_resolve
    from scoring.models import Score
    from scoring.services import question_score
    from scoring.services.community import community_update

    print(f"machine: {machine()}")
    empty_database()
    data = one_question(args.forecasts, args.users)
    user_ids = load_users(args.users)
    question = Question.objects.create(
        slug="big",
        title="One question with many forecasts",
        resolution_criteria="Synthetic.",
        open_time=datetime.fromtimestamp(int(data.open_time[0]), tz=UTC),
        scheduled_close_time=datetime.fromtimestamp(int(data.scheduled_close[0]), tz=UTC),
        scheduled_resolve_time=datetime.fromtimestamp(int(data.scheduled_close[0]), tz=UTC),
    )
    load_forecasts(data, question_ids=[question.pk], user_ids=user_ids)
    admin = User.objects.create(username="resolver", is_staff=True, password="!")
    print(f"data: 1 question, {args.forecasts:,} forecasts from {args.users:,} forecasters")

    totals = []
    for attempt in range(args.repeat):
        outcome = "yes" if attempt % 2 == 0 else "no"  # each round is a correction
        # The messages the services queue are not what is timed here: the scoring task's
        # work is run in this process, through the database, as the worker would.
        with (
            mock.patch("pipeline.tasks.score_question.delay"),
            mock.patch("pipeline.tasks.update_community.delay"),
        ):
            timer = Timer()
            question_resolve(
                question=question,
                outcome=outcome,
                known_at=question.scheduled_close_time,
                resolved_by=admin,
            )
            resolved = timer.seconds
            result = question_score(question_id=question.pk)
            total = timer.seconds
        totals.append(total)
        print(
            f"round {attempt + 1} ({outcome}): resolve {resolved * 1000:.0f} ms, score "
            f"{total - resolved:.3f} s, end to end {total:.3f} s; {result.users_scored:,} "
            f"forecasters and the community forecast, {result.rows_written:,} score rows"
        )
    assert Score.objects.filter(question=question).count() == result.rows_written
    print(f"end to end, best of {args.repeat}: {min(totals):.3f} s")

    timer = Timer()
    update = community_update(question_id=question.pk, full=True)
    print(
        f"community history rebuilt from scratch (all five methods, {update.points_written:,} "
        f"points): {timer.seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
