"""`manage.py ensure_admin`: an idempotent superuser with a random password."""

import stat

import pytest
from django.contrib.auth import authenticate

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_creates_a_superuser_and_writes_its_password_owner_only(run, tmp_path):
    path = tmp_path / "secrets" / "admin-password"
    out, _ = run("ensure_admin", "--password-file", path)
    password = path.read_text(encoding="utf-8").strip()
    assert len(password) >= 20
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert out.splitlines() == [
        f"Created superuser 'admin' with password {password}",
        f"(saved in {path}, readable by you only)",
    ]
    admin = User.objects.get(username="admin")
    assert (admin.is_superuser, admin.is_staff, admin.origin) == (True, True, "admin")
    assert authenticate(username="admin", password=password) == admin


def test_a_second_run_changes_nothing_and_says_where_the_password_is(run, tmp_path):
    path = tmp_path / "admin-password"
    run("ensure_admin", "--password-file", path)
    password = path.read_text(encoding="utf-8")
    out, _ = run("ensure_admin", "--password-file", path)
    assert out.strip() == f"Admin 'admin' exists; its password is in {path}."
    assert path.read_text(encoding="utf-8") == password
    assert User.objects.exclude(origin=User.Origin.SYSTEM).count() == 1


def test_an_existing_file_is_narrowed_to_owner_only(run, tmp_path):
    path = tmp_path / "admin-password"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o644)
    run("ensure_admin", "--username", "root", "--password-file", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8").strip() != "old"


def test_default_file_is_in_the_var_folder(run, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out, _ = run("ensure_admin", "--username", "ops")
    assert f"(saved in {tmp_path / 'admin-password'}, readable by you only)" in out
    assert (tmp_path / "admin-password").exists()


def test_an_existing_user_without_the_file(run, tmp_path, user):
    path = tmp_path / "admin-password"
    out, err = run("ensure_admin", "--username", "alice", "--password-file", path)
    assert out.strip() == (
        f"Admin 'alice' exists; {path} does not hold its password "
        "(set one with `manage.py changepassword alice`)."
    )
    assert err.strip() == "Note: 'alice' exists but is not a superuser."
    assert not path.exists()


def test_an_unwritable_file_creates_no_user(run_failing, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    error, _ = run_failing("ensure_admin", "--password-file", blocker / "admin-password")
    assert "no user created" in str(error)
    assert not User.objects.exclude(origin=User.Origin.SYSTEM).exists()
