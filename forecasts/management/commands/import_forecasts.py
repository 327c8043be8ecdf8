"""`manage.py import_forecasts FILE.csv`: bring in forecast history from
another platform. All rows or none: any bad row rejects the whole file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from forecasts.imports import ForecastImportError, forecasts_import_csv


class Command(BaseCommand):
    help = (
        "Import forecasts from a CSV file with the header "
        "question,user,probability,created_at[,rationale]."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path, help="The CSV file.")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            # utf-8-sig: spreadsheets often save a byte-order mark, which would
            # otherwise become part of the first column's name.
            text = file.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"{file}: cannot read the file ({error.strerror}).") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file}: not UTF-8 text.") from None
        try:
            report = forecasts_import_csv(text=text)
        except ForecastImportError as error:
            for message in error.messages:
                self.stderr.write(message)
            count = len(error.messages)
            raise CommandError(
                f"{file}: rejected ({count} problem{'' if count == 1 else 's'} listed above); "
                "nothing was imported."
            ) from None
        self.stdout.write(f"{file}: {report.summary()}")
        for username in report.users_created:
            self.stdout.write(f"  new unclaimed account: {username}")
