"""SentEmail moved from accounts to notifications in the migrations' state only: the
table, its constraint and its index keep the names accounts gave them."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from notifications.models import SentEmail

pytestmark = pytest.mark.django_db


def test_the_model_keeps_the_accounts_table():
    assert SentEmail._meta.app_label == "notifications"
    assert SentEmail._meta.db_table == "accounts_sentemail"
    assert [c.name for c in SentEmail._meta.constraints] == ["sent_email_once"]
    assert [i.name for i in SentEmail._meta.indexes] == ["accounts_se_kind_57b441_idx"]


def test_the_database_has_the_table_under_its_old_name():
    tables = connection.introspection.table_names()
    assert "accounts_sentemail" in tables
    assert "notifications_sentemail" not in tables
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "accounts_sentemail")
    assert constraints["sent_email_once"]["unique"]
    assert constraints["sent_email_once"]["columns"] == ["user_id", "kind", "key"]
    assert constraints["accounts_se_kind_57b441_idx"]["columns"] == ["kind", "sent_at"]


def test_the_migrations_state_has_it_in_notifications_only():
    state = MigrationLoader(connection).project_state()
    assert ("accounts", "sentemail") not in state.models
    moved = state.models["notifications", "sentemail"]
    assert moved.options["db_table"] == "accounts_sentemail"
    assert state.apps.get_model("notifications", "SentEmail")._meta.db_table == (
        "accounts_sentemail"
    )


@pytest.fixture
def fresh_content_types():
    """The content types are cached per process: forget what this test changes."""
    ContentType.objects.clear_cache()
    yield
    ContentType.objects.clear_cache()


@pytest.mark.usefixtures("fresh_content_types")
def test_an_existing_content_type_and_its_permissions_move_along():
    """A database made before the move has an accounts | sent email content type, with
    permissions on it: the migration renames it instead of leaving it stale."""
    ContentType.objects.filter(app_label="notifications", model="sentemail").delete()
    old = ContentType.objects.create(app_label="accounts", model="sentemail")
    permission = Permission.objects.create(
        content_type=old, codename="view_sentemail", name="Can view sent email"
    )
    migration = importlib.import_module("notifications.migrations.0001_initial")
    editor = SimpleNamespace(connection=connection)

    migration.content_type_to_notifications(apps, editor)
    ContentType.objects.clear_cache()
    assert not ContentType.objects.filter(app_label="accounts", model="sentemail").exists()
    assert ContentType.objects.get_for_model(SentEmail).pk == old.pk
    permission.refresh_from_db()
    assert permission.content_type.app_label == "notifications"

    migration.content_type_to_accounts(apps, editor)
    old.refresh_from_db()
    assert old.app_label == "accounts"
