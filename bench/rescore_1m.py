"""Full rescore of 1,000,000 forecasts (10,000 resolved questions, 10,000 forecasters)
through PostgreSQL by ONE real Celery worker: `manage.py rescore --fan-out` queues a group
of chunk tasks and follows the run to the end. Reports the wall time and the worker's peak
memory; then the same rescore in one process (`manage.py rescore`, which also rebuilds
every leaderboard and calibration scope), and the table rebuild on its own.

    python bench/rescore_1m.py [--chunk-size N]
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._django import (
    ROOT,
    Timer,
    ensure_million,
    machine,
    million,
    peak_rss_of,
    start_worker,
    stop_worker,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunk-size", type=int, default=None)
    args = parser.parse_args()

    from django.core.management import call_command

    from scoring.models import Score

    print(f"machine: {machine()}")
    ensure_million()
    chunk = ["--chunk-size", str(args.chunk_size)] if args.chunk_size else []

    with tempfile.TemporaryDirectory() as folder:
        worker = start_worker(Path(folder) / "worker.log")
        try:
            timer = Timer()
            out = io.StringIO()
            call_command("rescore", "--fan-out", *chunk, stdout=out, stderr=io.StringIO())
            seconds = timer.seconds
            peak = peak_rss_of(worker.pid)
        finally:
            stop_worker(worker)
    print(out.getvalue().strip().splitlines()[-1])
    print(
        f"fan-out rescore with one worker: {seconds:.1f} s for {million()['questions']:,} "
        "questions "
        f"({Score.objects.count():,} score rows); worker peak memory {peak:.0f} MB"
    )

    # The same work in one process of its own, for its peak memory.
    timer = Timer()
    done = subprocess.run(
        [sys.executable, "manage.py", "rescore", *chunk],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(done.stdout.strip())
    print(
        f"in-process rescore plus every leaderboard and calibration scope: {timer.seconds:.1f} s; "
        f"peak memory {child_peak:.0f} MB"
    )

    timer = Timer()
    call_command("rebuild_tables", stdout=io.StringIO())
    print(f"leaderboards and calibration of every scope rebuilt alone: {timer.seconds:.1f} s")


if __name__ == "__main__":
    main()
