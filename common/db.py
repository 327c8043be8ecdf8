"""Database helpers for bulk work: many rows in and out as NumPy arrays.

Rescoring a million forecasts reads a million rows and writes a million score rows.
Through the ORM that is mostly Python object churn (a datetime per row read, a model
instance and parameter list per row written); `read_arrays` and `insert_arrays` move
them with PostgreSQL's binary COPY, packed and unpacked by NumPy. Both fall back to the
ORM on SQLite, the development default.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Count, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce

_SQLITE_BATCH = 2_000


def count_subquery(queryset: QuerySet[Any], column: str, *, distinct: bool = False) -> Coalesce:
    """COUNT over `queryset` (rows of one question, filtered on OuterRef("pk"))
    as a scalar subquery: no GROUP BY over the outer rows, and the question
    index serves it. A question without rows gets 0, not NULL."""
    counted = (
        queryset.order_by()
        .values("question")
        .annotate(total=Count(column, distinct=distinct))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def max_length(model: type[models.Model], name: str) -> int:
    """The database's limit on the length of `model`'s text field `name`."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{name} has no maximum length")
    return field.max_length


def advisory_xact_lock(name: str) -> None:
    """Wait until no other transaction holds the lock called `name`, then hold it until
    this transaction ends: PostgreSQL's `pg_advisory_xact_lock`, keyed by a 64-bit hash of
    the name. A transaction's lock, never a session's: it cannot be left held by a worker
    that died, needs no release, and works behind PgBouncer in transaction mode (which
    hands each transaction a different server session). Call it inside
    `transaction.atomic()`.

    On SQLite it does nothing, and needs to do nothing: SQLite lets one writer in at a
    time, and our connections begin every transaction IMMEDIATE (config/settings/base.py),
    so a transaction that may write excludes every other writer from its first statement."""
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_xact_lock is held until the transaction ends: call it in one")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id(name)])


def lock_id(name: str) -> int:
    """The signed 64-bit key PostgreSQL's advisory locks take, from a name."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


@contextmanager
def _copy(statement: Any) -> Iterator[Any]:
    """A COPY through psycopg's own cursor. Django wraps the errors of every statement it
    runs in its own classes; this goes round Django, so its errors are wrapped here: a
    constraint the rows break is django.db.IntegrityError and a dropped connection
    OperationalError, as from the ORM, where the tasks' retry policy and Django's check of
    a broken connection expect them."""
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(statement) as copy,
    ):
        yield copy


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
            sql.SQL(", ").join(sql.Identifier(_column(model, name)) for name in fields),
        )
        written = 0
        with _copy(statement) as copy:
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


# --- NumPy arrays in and out of PostgreSQL with binary COPY ----------------------------

# Binary COPY: signature, flags, header extension length; and the trailer.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)
# PostgreSQL counts timestamps in microseconds from 2000-01-01 UTC.
_PG_EPOCH_US = 946_684_800 * 1_000_000

# Rows packed into one value by read_arrays (a value may not exceed 1 GB).
_PACKED_ROWS = 1_000_000
# How read_arrays has the server encode each kind of column, and as what it casts it.
_SEND = {"int8": "int8send", "int4": "int4send", "int2": "int2send", "float8": "float8send",
         "bool": "boolsend", "timestamp": "timestamptz_send"}  # fmt: skip
_CAST = {"int8": "int8", "int4": "int4", "int2": "int2", "float8": "float8", "bool": "bool",
         "timestamp": "timestamptz"}  # fmt: skip

# Binary wire type of each kind of column.
_WIRE = {
    "int8": ">i8",
    "int4": ">i4",
    "int2": ">i2",
    "float8": ">f8",
    "bool": "?",
    "timestamp": ">i8",
}
_KIND_OF_FIELD = {
    "BigAutoField": "int8",
    "BigIntegerField": "int8",
    "AutoField": "int4",
    "IntegerField": "int4",
    "PositiveIntegerField": "int4",
    "SmallIntegerField": "int2",
    "PositiveSmallIntegerField": "int2",
    "FloatField": "float8",
    "BooleanField": "bool",
    "DateTimeField": "timestamp",
}


def _column(model: type[models.Model], name: str) -> str:
    """The database column of `model`'s field `name` (a field or a foreign key's column)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{model.__name__}.{name} has no column of its own")
    return field.column


def _kind(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    internal = field.get_internal_type()
    if isinstance(field, models.ForeignKey):  # OneToOneField too: the kind of the target
        internal = field.target_field.get_internal_type()
    if internal in ("CharField", "TextField", "SlugField"):
        return "text"
    try:
        return _KIND_OF_FIELD[internal]
    except KeyError:
        raise TypeError(f"{model.__name__}.{name}: {internal} is not supported here") from None


def read_arrays(
    queryset: QuerySet[Any],
    *names: str,
    kinds: dict[str, str] | None = None,
) -> dict[str, np.ndarray]:
    """`queryset.values_list(*names)` as one NumPy array per name, in the queryset's order.

    Integers come as int64, floats as float64, booleans as bool, datetimes as int64
    microseconds since the Unix epoch (UTC). Every value must be non-null (coalesce
    nullable floats to NaN in an annotation, giving its kind in `kinds`).

    On PostgreSQL the server packs each row into bytes (`int8send(...) || ...`) and
    aggregates them, a million rows to a value, so the rows arrive as a few large values
    that NumPy unpacks without a Python object per row: a round trip per million rows,
    where COPY would hand them over one row per call. Elsewhere through the ORM."""
    model = queryset.model
    given = kinds or {}
    column_kinds = [given[name] if name in given else _kind(model, name) for name in names]
    if "text" in column_kinds:
        raise TypeError("read_arrays reads numbers, booleans and times, not text")
    values = queryset.values_list(*names)
    out: dict[str, np.ndarray] = {}
    if connection.vendor != "postgresql":
        rows = list(values)
        for i, (name, kind) in enumerate(zip(names, column_kinds, strict=True)):
            cells = [row[i] for row in rows]
            if kind == "timestamp":
                out[name] = np.array(
                    [round(moment.timestamp() * 1_000_000) for moment in cells], dtype=np.int64
                )
            else:
                out[name] = np.array(cells, dtype=_numpy_type(kind))
        return out

    try:
        sql, params = values.query.sql_with_params()
    except EmptyResultSet:  # e.g. `pk__in=[]`: Django knows there are no rows
        return {
            name: np.empty(0, dtype=_numpy_type(kind))
            for name, kind in zip(names, column_kinds, strict=True)
        }
    columns = [f"c{i}" for i in range(len(names))]
    record = " || ".join(
        f"{_SEND[kind]}({column}::{_CAST[kind]})"
        for column, kind in zip(columns, column_kinds, strict=True)
    )
    statement = (
        f"SELECT string_agg(record, ''::bytea), count(*), count(record) FROM ("
        f"  SELECT {record} AS record, (row_number() OVER () - 1) / {_PACKED_ROWS} AS chunk"
        f"  FROM ({sql}) AS source({', '.join(columns)})"
        f") AS packed GROUP BY chunk ORDER BY chunk"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        parts = cursor.fetchall()
    if any(count != packed for _, count, packed in parts):
        raise ValueError("a column holds NULLs: coalesce it in an annotation")
    layout = np.dtype([(name, _WIRE[kind]) for name, kind in zip(names, column_kinds, strict=True)])
    records = np.frombuffer(b"".join(bytes(data) for data, _, _ in parts), dtype=layout)
    for name, kind in zip(names, column_kinds, strict=True):
        column = records[name].astype(_numpy_type(kind))
        if kind == "timestamp":
            column += _PG_EPOCH_US
        out[name] = column
    return out


def _numpy_type(kind: str) -> type[np.generic]:
    return {"float8": np.float64, "bool": np.bool_}.get(kind, np.int64)


def insert_arrays(model: type[models.Model], columns: dict[str, Any]) -> int:
    """Insert rows given as columns (NumPy arrays, or one scalar for a constant column);
    returns the number written. NaN in a numeric column is written as NULL (a nullable
    integer column is given as floats); datetimes are int64 microseconds since the Unix
    epoch; text columns must be constant.

    On PostgreSQL the rows go as binary COPY built by NumPy, a million rows in a fraction
    of a second: rows are grouped by which of their fields are NULL, and each group has
    a fixed layout (a NULL is a length of -1 and no data). Other databases take
    `insert_rows`."""
    names = list(columns)
    length = max((np.size(v) for v in columns.values() if np.ndim(v) > 0), default=0)
    arrays = {
        name: (np.asarray(v) if np.ndim(v) > 0 else np.full(length, v, dtype=object))
        for name, v in columns.items()
    }
    # get_field also knows a foreign key by its column name (`question_id`).
    kinds = {name: _kind(model, name) for name in names}
    if connection.vendor != "postgresql" or not _constant_text(arrays, kinds):
        return insert_rows(model, names, _python_rows(arrays, kinds, np.arange(length)))
    if length == 0:
        return 0

    nullable = [name for name in names if kinds[name] != "text" and arrays[name].dtype.kind == "f"]
    null = {name: np.isnan(arrays[name]) for name in nullable}
    pattern = np.zeros(length, dtype=np.int64)
    for bit, name in enumerate(nullable):
        pattern |= null[name].astype(np.int64) << bit

    from psycopg import sql

    opts = model._meta
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(opts.db_table),
        sql.SQL(", ").join(sql.Identifier(_column(model, name)) for name in names),
    )
    with _copy(statement) as copy:
        copy.write(_COPY_HEADER)
        for value in np.flatnonzero(np.bincount(pattern)).tolist():  # the patterns present
            rows = np.flatnonzero(pattern == value)
            copy.write(_binary_rows(arrays, kinds, rows, {n for n in nullable if null[n][rows[0]]}))
        copy.write(_COPY_TRAILER)
    return length


def _binary_rows(
    arrays: dict[str, np.ndarray], kinds: dict[str, str], rows: np.ndarray, nulls: set[str]
) -> bytes:
    """The binary COPY records of `rows`, which share the NULL fields `nulls`."""
    layout: list[tuple[str, str]] = [("fields", ">i2")]
    for i, name in enumerate(kinds):
        layout.append((f"length{i}", ">i4"))
        if name in nulls:
            continue
        if kinds[name] == "text":
            layout.append((name, f"S{len(str(arrays[name][0]).encode())}"))
        else:
            layout.append((name, _WIRE[kinds[name]]))
    record = np.zeros(rows.size, dtype=np.dtype(layout))
    record["fields"] = len(kinds)
    for i, (name, kind) in enumerate(kinds.items()):
        if name in nulls:
            record[f"length{i}"] = -1
            continue
        record[f"length{i}"] = record.dtype[name].itemsize
        if kind == "text":
            record[name] = str(arrays[name][0]).encode()
        elif kind == "timestamp":
            record[name] = arrays[name][rows].astype(np.int64) - _PG_EPOCH_US
        else:
            record[name] = arrays[name][rows]
    return record.tobytes()


def _constant_text(arrays: dict[str, np.ndarray], kinds: dict[str, str]) -> bool:
    return all(len(set(arrays[n].tolist())) <= 1 for n, k in kinds.items() if k == "text")


def _python_rows(
    arrays: dict[str, np.ndarray], kinds: dict[str, str], rows: np.ndarray
) -> Iterator[tuple[Any, ...]]:
    from datetime import UTC, datetime

    columns: list[list[Any]] = []
    for name, kind in kinds.items():
        values = arrays[name][rows].tolist()
        if kind in ("int8", "int4", "int2"):
            values = [None if v != v else int(v) for v in values]  # NaN -> NULL
        elif kind == "float8":
            values = [None if v != v else v for v in values]
        elif kind == "timestamp":
            values = [datetime.fromtimestamp(v / 1_000_000, tz=UTC) for v in values]
        columns.append(values)
    return zip(*columns, strict=True)
