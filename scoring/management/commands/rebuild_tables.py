"""`manage.py rebuild_tables [--scope SCOPE ...]`: rebuild leaderboards and calibration
reports in this process (every known scope by default). Idempotent: the tables are
derived from the score rows and the forecasts."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from scoring.models import MaterializedScope
from scoring.scopes import ALL, Scope, ScopeError
from scoring.services import scope_rebuild, scopes_mark_dirty
from scoring.services.materialize import tables_analyze


class Command(BaseCommand):
    help = "Rebuild leaderboards and calibration reports (every scope, or the ones given)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            metavar="SCOPE",
            help="all, tag:<slug>, article:<slug>, project:<slug>, year:<yyyy> or "
            "group:<name>; repeat for several.",
        )

    def handle(self, *args: Any, scope: list[str], **options: Any) -> None:
        try:
            scopes = [Scope.parse(name) for name in scope]
        except ScopeError as error:
            raise CommandError(f"--scope: {error}") from None
        if not scopes:
            names = set(MaterializedScope.objects.values_list("scope", flat=True)) | {ALL}
            scopes = [Scope.parse(name) for name in sorted(names)]
        scopes_mark_dirty(scopes={str(s) for s in scopes}, announce=False)
        for each in scopes:
            MaterializedScope.objects.filter(scope=str(each)).update(dirty=False)
            scope_rebuild(scope=each)
            self.stdout.write(f"Rebuilt {each}.")
        tables_analyze()
