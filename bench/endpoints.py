"""Leaderboard and calibration endpoints at a million forecasts (10,000 questions, 10,000
forecasters, every scope materialized): latency percentiles and queries per request,
through Django's full request handling (in process, no network) against PostgreSQL.

    python bench/endpoints.py [--requests N]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics

from bench._django import Timer, ensure_million, machine


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from questions.models import Question, Tag
    from scoring import registry
    from scoring.models import LeaderboardEntry
    from scoring.services import scopes_rebuild_dirty

    print(f"machine: {machine()}")
    ensure_million()
    if not LeaderboardEntry.objects.exists():
        timer = Timer()
        call_command("rescore", stdout=io.StringIO(), stderr=io.StringIO())
        print(f"scored and built every table in {timer.seconds:.0f} s")
    scopes_rebuild_dirty()

    analyst, _ = User.objects.get_or_create(username="bench-analyst", defaults={"password": "!"})
    analyst.groups.add(Group.objects.get_or_create(name="Analysts")[0])
    client = Client(HTTP_HOST="localhost")
    client.force_login(analyst)
    rng = random.Random(5)
    tags = [f"tag:{slug}" for slug in Tag.objects.values_list("slug", flat=True)]
    users = list(
        User.objects.filter(username__startswith="forecaster").values_list("username", flat=True)[
            :2000
        ]
    )
    question = Question.objects.order_by("pk").values_list("slug", flat=True).first()

    def leaderboard() -> tuple[str, dict[str, object]]:
        return "/api/leaderboards/", {
            "scope": rng.choice(["all", *tags]),
            "rule": rng.choice(registry.rule_keys()),
            "offset": rng.choice([0, 0, 50, 500, 5000]),
            "limit": 50,
        }

    def leaderboard_moved_line() -> tuple[str, dict[str, object]]:
        path, params = leaderboard()
        return path, {**params, "min_questions": rng.choice([1, 10, 50])}

    def calibration_scope() -> tuple[str, dict[str, object]]:
        return "/api/calibration/", {
            "scope": rng.choice(["all", *tags, "group:Analysts"]),
            "weighting": rng.choice(["time", "last"]),
            "closed_only": rng.choice(["true", "false"]),
        }

    def calibration_user() -> tuple[str, dict[str, object]]:
        params = {"scope": f"user:{rng.choice(users)}", "weighting": rng.choice(["time", "last"])}
        if rng.random() < 0.5:
            params["within"] = rng.choice(tags)
        return "/api/calibration/", params

    def question_scores() -> tuple[str, dict[str, object]]:
        return f"/api/questions/{question}/scores/", {}

    for name, make in [
        ("leaderboard (materialized line)", leaderboard),
        ("leaderboard (min_questions moved)", leaderboard_moved_line),
        ("calibration of a scope", calibration_scope),
        ("calibration of one forecaster", calibration_user),
        ("scores of one question", question_scores),
    ]:
        times, queries = [], []
        for i in range(args.requests + 10):
            path, params = make()
            with CaptureQueriesContext(connection) as captured:
                timer = Timer()
                response = client.get(path, params)
                seconds = timer.seconds
            assert response.status_code == 200, (path, params, response.content[:300])
            if i >= 10:  # the first few warm the connection and the caches
                times.append(seconds * 1000)
                queries.append(len(captured.captured_queries))
        print(
            f"{name}: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms, "
            f"max {max(times):.1f} ms over {len(times)} requests; queries per request "
            f"{min(queries)}-{max(queries)}"
        )


if __name__ == "__main__":
    main()
