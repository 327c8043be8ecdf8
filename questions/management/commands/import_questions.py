"""`manage.py import_questions FILE`: load questions (and their articles) from
a JSON or YAML file. Loading again changes nothing (idempotent by slug)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from questions.imports import load_document, questions_import


class Command(BaseCommand):
    help = "Create or refresh questions from a JSON or YAML file (see docs/article-questions.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path, help="A .yaml, .yml or .json file.")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{file}: cannot read the file ({error.strerror}).") from None
        try:
            document = load_document(text, name=file.name)
            # text_file entries are relative to the file, not to the caller's folder.
            report = questions_import(document=document, base_dir=file.resolve().parent)
        except ValidationError as error:
            raise CommandError(f"{file}: nothing imported. {' '.join(error.messages)}") from None
        self.stdout.write(f"{file}: {report.summary()}")
        for label, slugs in (
            ("created", report.created),
            ("updated", report.updated),
            ("held back", report.held_back),
            ("retired", report.retired),
        ):
            for slug in slugs:
                self.stdout.write(f"  {label}: {slug}")
