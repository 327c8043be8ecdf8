"""Forecasts are the record, and TRUNCATE must not empty it either.

TRUNCATE removes every row without deleting them one by one, so the row-level UPDATE
and DELETE triggers of 0002 never fire for it. A statement-level trigger refuses it,
through the same function and with the same message ("forecasts are append-only:
TRUNCATE is not allowed"). It also fires when TRUNCATE ... CASCADE reaches this table
from another one. The benchmarks, which rebuild a database of their own on every run,
lift it for their one TRUNCATE (bench/_django.py), as does the test suite's flush
between transactional tests (tests/conftest.py).
"""

from django.db import migrations

TABLE = "forecasts_forecast"

POSTGRES_FORWARD = f"""
CREATE TRIGGER forecasts_forecast_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION forecasts_forecast_append_only();
"""
POSTGRES_REVERSE = f"DROP TRIGGER IF EXISTS forecasts_forecast_no_truncate ON {TABLE};"


def forward(apps, schema_editor):
    # SQLite has no TRUNCATE statement (its "truncate optimization" is a DELETE without
    # WHERE), so there is nothing to guard there.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("forecasts", "0005_community_now")]

    operations = [migrations.RunPython(forward, reverse, elidable=False)]
