"""The beat schedule is the pipeline's: every entry names a task the worker knows, and the
sweeps run as often as FORESEER_RESCORE_SWEEP_SECONDS says."""

from __future__ import annotations

from celery.schedules import crontab

from config.celery import app
from pipeline import tasks
from pipeline.beat import beat_schedule


def test_the_app_runs_the_pipelines_schedule():
    assert app.conf.beat_schedule == beat_schedule()


def test_every_entry_names_a_pipeline_task():
    app.loader.import_default_modules()
    for name, entry in beat_schedule().items():
        assert entry["task"] in app.tasks, name
        assert entry["task"].startswith(tasks.__name__ + "."), name


def test_the_sweeps_follow_the_setting(settings):
    settings.FORESEER_RESCORE_SWEEP_SECONDS = 42.0
    schedule = beat_schedule()
    sweeps = ("rescore-stale-questions", "community-sweep", "resolution-emails-sweep")
    assert {schedule[name]["schedule"] for name in sweeps} == {42.0}
    assert schedule["close-due-questions"]["schedule"] == 60.0
    assert isinstance(schedule["resolution-digest"]["schedule"], crontab)
