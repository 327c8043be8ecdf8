"""Forecasts are the record: the database itself refuses to change or remove one,
whatever code path (admin, shell, raw SQL) tries."""

from django.db import migrations

TABLE = "forecasts_forecast"

POSTGRES_FORWARD = f"""
CREATE OR REPLACE FUNCTION forecasts_forecast_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'forecasts are append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER forecasts_forecast_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION forecasts_forecast_append_only();
CREATE TRIGGER forecasts_forecast_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION forecasts_forecast_append_only();
"""
POSTGRES_REVERSE = f"""
DROP TRIGGER IF EXISTS forecasts_forecast_no_update ON {TABLE};
DROP TRIGGER IF EXISTS forecasts_forecast_no_delete ON {TABLE};
DROP FUNCTION IF EXISTS forecasts_forecast_append_only();
"""
# SQLite (the development default) gets the UPDATE guard only: Django empties
# tables between transactional tests with DELETE (PostgreSQL uses TRUNCATE,
# which row triggers do not see). Deletes are still refused by the model, the
# queryset and the PROTECT foreign keys.
SQLITE_FORWARD = [
    f"""CREATE TRIGGER forecasts_forecast_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'forecasts are append-only: UPDATE is not allowed'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS forecasts_forecast_no_update;"]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # params=None: the "%" in RAISE is not a query placeholder.
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("forecasts", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse, elidable=False)]
