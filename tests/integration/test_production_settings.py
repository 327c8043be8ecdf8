"""Production settings, loaded in a fresh process as a deployment would: they
pass Django's deployment checklist and refuse to start without a real secret
key and host list."""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = "config.settings.production"


def manage(*args: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # Explicit (possibly empty) values: config/env.py never lets a .env file
    # override a variable that is set, so a developer's .env cannot leak in.
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests (tests/browser)
    # and is an error under --deploy: a deployment would not have it.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "FORESEER_VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def random_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(50))


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        SECRET_KEY=random_secret_key(),
        ALLOWED_HOSTS="foreseer.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# One request through the whole middleware stack, in the production process.
REQUEST_HEADERS = """
import json
from django.test import Client
response = Client().get("/healthz", secure=True, HTTP_HOST="foreseer.example.org")
print(json.dumps({"status": response.status_code, **dict(response.headers)}))
"""


def test_production_responses_carry_the_security_headers(tmp_path):
    result = manage(
        "shell",
        "-c",
        REQUEST_HEADERS,
        tmp_path=tmp_path,
        SECRET_KEY=random_secret_key(),
        ALLOWED_HOSTS="foreseer.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    headers = json.loads(result.stdout.strip().splitlines()[-1])
    assert headers["status"] == 200
    policy = {
        part.split()[0]: part.split()[1:] for part in headers["Content-Security-Policy"].split("; ")
    }
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "camera=()" in headers["Permissions-Policy"]


@pytest.mark.parametrize(
    ("secret_key", "allowed_hosts", "complaint"),
    [
        ("", "foreseer.example.org", "SECRET_KEY must be set"),
        ("too-short-0123456789", "foreseer.example.org", "SECRET_KEY must be set"),
        ("insecure-development-key-change-me-0123456789", "foreseer.example.org", "SECRET_KEY"),
        (random_secret_key(), "", "ALLOWED_HOSTS must list"),
    ],
    ids=["no-secret-key", "short-secret-key", "development-key", "no-allowed-hosts"],
)
def test_production_settings_refuse_to_start_without_secret_and_hosts(
    tmp_path, secret_key, allowed_hosts, complaint
):
    result = manage("check", tmp_path=tmp_path, SECRET_KEY=secret_key, ALLOWED_HOSTS=allowed_hosts)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_behind_pgbouncer_nothing_outlives_a_transaction(tmp_path):
    """DATABASE_POOLER=pgbouncer (transaction mode), read from the environment: no
    server-side cursors, no persistent connections of Django's own, and prepared
    statements off (Django's default for psycopg 3)."""
    script = (
        "import json; from django.db import connection; d = connection.settings_dict; "
        "print(json.dumps([d.get('DISABLE_SERVER_SIDE_CURSORS', False), d['CONN_MAX_AGE'], "
        "connection.get_connection_params()['prepare_threshold']]))"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        tmp_path=tmp_path,
        SECRET_KEY=random_secret_key(),
        ALLOWED_HOSTS="foreseer.example.org",
        DATABASE_URL="postgres://foreseer:secret@pgbouncer:6432/foreseer",
        CONN_MAX_AGE="600",
        DATABASE_POOLER="pgbouncer",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[true, 0, null]"


def test_the_pooler_switch_changes_nothing_else_and_knows_one_pooler():
    from django.core.exceptions import ImproperlyConfigured

    from config.settings.base import database_for_pooler

    database = {"ENGINE": "django.db.backends.postgresql", "CONN_MAX_AGE": 600}
    assert database_for_pooler(database, "") == database
    assert database_for_pooler(database, "pgbouncer") == {
        **database,
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "CONN_MAX_AGE": 0,
    }
    with pytest.raises(ImproperlyConfigured, match="empty or pgbouncer, not 'pgpool'"):
        database_for_pooler(database, "pgpool")
