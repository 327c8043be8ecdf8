"""Database helpers for bulk work: reading times as integers and writing many rows.

Rescoring a million forecasts reads a million timestamps and writes a million score rows.
Through the ORM that is mostly Python object churn (a datetime per row read, a model
instance and parameter list per row written); these two helpers keep it in the database
driver instead. Both fall back to the ORM on SQLite, the development default.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import BigIntegerField, Func

_SQLITE_BATCH = 2_000


class EpochSeconds(Func):
    """Whole seconds since the Unix epoch (rounded down) of a datetime column."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint",
            **extra,
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django stores aware datetimes on SQLite as UTC text; strftime('%s') reads it. The
        # format goes in as a parameter: the backend would take a literal %s for one.
        sql, params = self.as_sql(
            compiler,
            connection,
            template="CAST(strftime(%%s, %(expressions)s) AS INTEGER)",
            **extra,
        )
        return sql, ("%s", *params)


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert `rows` (tuples in the order of `fields`) into `model`'s table; returns the
    number written. PostgreSQL gets one COPY; other databases get bulk_create in batches.
    Runs inside the caller's transaction, like any other write."""
    opts = model._meta
    if connection.vendor == "postgresql":
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(opts.db_table),
            sql.SQL(", ").join(sql.Identifier(opts.get_field(name).column) for name in fields),
        )
        written = 0
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        return written
    written = 0
    batch: list[models.Model] = []
    for row in rows:
        batch.append(model(**dict(zip(fields, row, strict=True))))
        if len(batch) == _SQLITE_BATCH:
            model._default_manager.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        model._default_manager.bulk_create(batch)
        written += len(batch)
    return written
