"""`manage.py fit_extremizing`: fit a in logit p* = a * mean(logit p) (SCORING.md §5) on the
resolved binary questions, by maximum likelihood over the community's history (each point
weighted by how long it held; each question counts once)."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from forecasts.models import CommunityPoint
from questions.models import Question
from scoring.core.aggregate import fit_extremizing


class Command(BaseCommand):
    help = "Fit the extremizing parameter a on resolved questions and print it."

    def handle(self, *args: Any, **options: Any) -> None:
        questions = {
            q.pk: q
            for q in Question.objects.filter(
                type=Question.Type.BINARY, resolution__in=["yes", "no"]
            )
        }
        rows = list(
            CommunityPoint.objects.filter(question_id__in=list(questions))
            # A point where every forecaster had withdrawn has no community forecast.
            .exclude(forecasters=0)
            .order_by("question_id", "at")
            .values_list("question_id", "at", "geometric_mean_odds")
        )
        if not rows:
            raise CommandError(
                "No community history on resolved binary questions yet (run "
                "`manage.py rebuild_community` if forecasts exist)."
            )
        question_ids = np.array([r[0] for r in rows])
        starts = np.array([r[1].timestamp() for r in rows])
        p = np.clip(np.array([r[2] for r in rows]), 1e-9, 1 - 1e-9)
        ends = np.empty_like(starts)
        ends[:-1] = starts[1:]
        last = np.append(question_ids[1:] != question_ids[:-1], True)
        ends[last] = [questions[int(q)].actual_close_time.timestamp() for q in question_ids[last]]
        outcome = np.array(
            [1 if questions[int(q)].resolution == "yes" else 0 for q in question_ids]
        )
        fit = fit_extremizing(
            question=question_ids,
            # The geometric mean of odds is expit(mean logit): its logit is the mean logit.
            mean_logit=np.log(p / (1 - p)),
            weight=np.maximum(ends - starts, 0),
            outcome=outcome,
        )
        self.stdout.write(
            f"Fitted on {fit.questions} resolved questions: a = {fit.a:.3f} "
            f"(log loss {fit.log_loss:.4f} nats per question; {fit.log_loss_unextremized:.4f} "
            f"at a = 1; the current setting is {settings.FORESEER_EXTREMIZING_A}).\n"
            f"To use it, set FORESEER_EXTREMIZING_A={fit.a:.3f} in the environment; the "
            "community sweep then rebuilds every history with it."
        )
