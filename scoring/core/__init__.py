"""Pure scoring science: NumPy/SciPy arrays and dataclasses in, arrays out.

Never imports Django or anything else from the project, so it can be tested and
benchmarked on its own.
"""

from scoring.core.brier import brier_binary, brier_multiple_choice
from scoring.core.daily import DailyScores, daily_brier_scores
from scoring.core.forecasts import BinaryForecasts
from scoring.core.window import SECONDS_PER_DAY, actual_close_time, day_start, scored_days

__all__ = [
    "SECONDS_PER_DAY",
    "BinaryForecasts",
    "DailyScores",
    "actual_close_time",
    "brier_binary",
    "brier_multiple_choice",
    "daily_brier_scores",
    "day_start",
    "scored_days",
]
