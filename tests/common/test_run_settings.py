"""`make run` (bin/run): links in emails follow the HOST and PORT the server listens on,
and the site runs with DEBUG off (its own error pages) unless DEBUG is set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings.base import local_site_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", "8000", "http://127.0.0.1:8000"),
        ("localhost", "8765", "http://localhost:8765"),
        ("0.0.0.0", "9000", "http://127.0.0.1:9000"),
        ("::1", "9001", "http://[::1]:9001"),
    ],
)
def test_local_site_url(host, port, url):
    assert local_site_url(host, port) == url


def settings_in_a_fresh_process(**environ: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"FORESEER_SITE_URL", "HOST", "PORT"}}
    env.update(environ, DJANGO_SETTINGS_MODULE="config.settings.base")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.FORESEER_SITE_URL); print(settings.WHITENOISE_USE_FINDERS)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def test_site_url_follows_host_and_port_unless_set():
    assert settings_in_a_fresh_process(HOST="127.0.0.1", PORT="8123")[0] == "http://127.0.0.1:8123"
    explicit = settings_in_a_fresh_process(
        HOST="127.0.0.1", PORT="8123", FORESEER_SITE_URL="https://foreseer.example.org/"
    )
    assert explicit[0] == "https://foreseer.example.org"


def test_whitenoise_finds_static_files_with_debug_off_when_asked():
    assert settings_in_a_fresh_process(DEBUG="false", WHITENOISE_USE_FINDERS="true")[1] == "True"
    assert settings_in_a_fresh_process(DEBUG="false")[1] == "False"


def test_bin_run_exports_what_the_settings_read():
    script = (ROOT / "bin" / "run").read_text()
    # Exported before the server starts, so runserver and the worker both see them.
    before_server = script.split("manage.py runserver")[0]
    assert "export HOST PORT" in before_server
    assert "export DEBUG=false" in before_server
    assert "export WHITENOISE_USE_FINDERS=" in before_server


def test_production_serves_only_collected_static_files():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WHITENOISE_", "DEBUG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="x" * 40,
        ALLOWED_HOSTS="foreseer.example.org",
        FORESEER_SITE_URL="https://foreseer.example.org",
        POSTGRES_PASSWORD="secret",
    )
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.WHITENOISE_USE_FINDERS, settings.WHITENOISE_AUTOREFRESH)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.stdout.split() == ["False", "False"], out.stderr[-2000:]
