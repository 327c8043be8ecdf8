"""Forecast submission as a question's forecasts grow: latency and queries of
POST /api/forecasts/ with 0, 1,000, 10,000 and 100,000 forecasts already on the question
(the test suite asserts the query count stays constant; this prints the time too).

    python bench/submit.py [--requests N]
"""

from __future__ import annotations

import argparse
import os
import statistics
from datetime import UTC, datetime, timedelta

import numpy as np

# One user submits a few hundred forecasts back to back, past the rate a person gets
# (FORESEER_THROTTLE_FORECASTS, 120 a minute): lifted here, before Django reads its
# settings, as what is timed is storing a forecast, not the throttle's refusal.
os.environ.setdefault("FORESEER_THROTTLE_FORECASTS", "off")

from bench._django import Timer, empty_database, load_forecasts, load_users, machine, scaled
from bench._synthetic import Synthetic


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from accounts.models import User
    from questions.models import Question

    print(f"machine: {machine()}")
    empty_database()
    user_ids = load_users(scaled(20_000))
    now = datetime.now(tz=UTC)
    rng = np.random.default_rng(3)
    loaded = 0
    question = Question.objects.create(
        slug="growing",
        title="A question that keeps getting forecasts",
        resolution_criteria="Synthetic.",
        open_time=now - timedelta(days=300),
        scheduled_close_time=now + timedelta(days=300),
        scheduled_resolve_time=now + timedelta(days=301),
    )
    client = APIClient(HTTP_HOST="localhost")
    me = User.objects.create(username="submitter", password="!")
    client.force_authenticate(me)
    opened = int(question.open_time.timestamp())
    for target in (0, scaled(1_000), scaled(10_000), scaled(100_000)):
        more = target - loaded
        if more:
            data = Synthetic(
                open_time=np.array([opened]),
                scheduled_close=np.array([opened + 600 * 86_400]),
                actual_close=np.array([opened + 600 * 86_400]),
                outcome=np.array([1]),
                question=np.zeros(more, dtype=np.int64),
                user=rng.integers(1, len(user_ids) + 1, more),
                created_at=np.sort(rng.integers(opened, int(now.timestamp()) - 60, more)),
                order=np.arange(more),
                p_yes=np.round(rng.uniform(0.02, 0.98, more), 3),
            )
            load_forecasts(data, question_ids=[question.pk], user_ids=user_ids)
            loaded = target
        times, queries = [], set()
        # The update task is queued once per burst; sending it is not what is timed here.
        with mock.patch("pipeline.tasks.update_community.delay"):
            for i in range(args.requests + 5):
                with CaptureQueriesContext(connection) as captured:
                    timer = Timer()
                    response = client.post(
                        "/api/forecasts/",
                        {"question": "growing", "probability": 0.42 + (i % 50) / 1000},
                        format="json",
                    )
                    seconds = timer.seconds
                assert response.status_code == 201, response.content
                if i >= 5:
                    times.append(seconds * 1000)
                    queries.add(len(captured.captured_queries))
        times.sort()
        print(
            f"with {target:>7,} forecasts on the question: p50 {statistics.median(times):.1f} ms, "
            f"p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms; queries per submission "
            f"{sorted(queries)}"
        )


if __name__ == "__main__":
    main()
