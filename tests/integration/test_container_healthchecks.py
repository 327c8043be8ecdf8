"""bin/healthcheck, the compose health checks of the web and beat services:
the web check must send a Host that production settings accept, and pass only
on a 200 from /healthz; the beat check must notice a schedule file that stopped
being written."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import time
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def healthcheck() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader(
        "foreseer_healthcheck", str(ROOT / "bin/healthcheck")
    )
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("foreseer.example.org", "foreseer.example.org"),
        (" foreseer.example.org , localhost", "foreseer.example.org"),
        (".example.org", "example.org"),
        ("*", "localhost"),
        ("*,foreseer.example.org", "foreseer.example.org"),
        ("", "localhost"),
    ],
)
def test_web_check_sends_a_host_that_production_settings_allow(
    healthcheck, monkeypatch, allowed_hosts, host
):
    monkeypatch.setenv("ALLOWED_HOSTS", allowed_hosts)
    assert healthcheck.host_for_check() == host


@pytest.mark.django_db(transaction=True)
def test_web_check_passes_on_healthz_and_fails_elsewhere(healthcheck, live_server, monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "localhost")
    assert healthcheck.main([f"{live_server.url}/healthz"]) == 0
    assert healthcheck.main([f"{live_server.url}/no-such-page-here"]) == 1
    # A host the site does not serve gets a 400: the check must not pass.
    monkeypatch.setenv("ALLOWED_HOSTS", "not-this-site.example.com")
    assert healthcheck.main([f"{live_server.url}/healthz"]) == 1


def test_beat_check_follows_the_schedule_file(healthcheck, tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    assert healthcheck.main(["--beat", str(schedule)]) == 1  # beat has not started

    # shelve's dbm files: the check looks at the newest of them.
    (tmp_path / "celerybeat-schedule.dat").write_bytes(b"entries")
    (tmp_path / "celerybeat-schedule.dir").write_bytes(b"index")
    assert healthcheck.main(["--beat", str(schedule)]) == 0

    eleven_minutes_ago = time.time() - 11 * 60
    for path in tmp_path.iterdir():
        os.utime(path, (eleven_minutes_ago, eleven_minutes_ago))
    assert healthcheck.main(["--beat", str(schedule)]) == 1
