"""CSV downloads, for the pages and the API alike: cells a spreadsheet would run as a
formula are neutralized in both, and pages ask for a table the same way."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse

# Text starting with one of these is run as a formula by spreadsheets; usernames,
# titles and notes may start with + - or @.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run: such text gets a leading apostrophe.
    Numbers are left alone (a negative score is not text)."""
    if isinstance(value, str) and value[:1] in FORMULA_START:
        return f"'{value}"
    return "" if value is None else value


def csv_download(
    rows: Iterable[dict[str, Any]], *, header: list[str], filename: str
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in header])
    return response


def csv_text(rows: Iterable[dict[str, Any]], *, header: list[str]) -> str:
    """The rows as CSV text (for files and commands), neutralized like the downloads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(row.get(column)) for column in header])
    return buffer.getvalue()


def csv_export_request(request: HttpRequest, *, tables: Sequence[str]) -> tuple[bool, str, str]:
    """A page's `?format=csv&table=...`: (whether CSV is asked for, the table, an error to
    show with a 400). The first of `tables` is the default."""
    export = request.GET.get("format", "")
    table = request.GET.get("table", tables[0])
    if export not in ("", "csv"):
        return False, table, f"Unknown format {export!r}: the page offers csv."
    if export and table not in tables:
        return False, table, f"Unknown table {table!r}: use {', '.join(tables)}."
    return export == "csv", table, ""
