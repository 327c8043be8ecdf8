"""The apps form layers: common -> accounts -> questions -> forecasts -> scoring ->
notifications -> pipeline. Nothing below notifications imports it, and it never imports
the tasks that call it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BELOW = ("common", "accounts", "questions", "forecasts", "scoring")


def imported_modules(app: str) -> list[tuple[str, str]]:
    """(file, module) for every import in the app's Python files."""
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found += [(str(path.relative_to(ROOT)), name) for name in names]
    return found


def imports_of(app: str, package: str) -> list[tuple[str, str]]:
    return [
        (path, module)
        for path, module in imported_modules(app)
        if module == package or module.startswith(f"{package}.")
    ]


@pytest.mark.parametrize("app", BELOW)
def test_apps_below_do_not_import_notifications(app):
    assert imports_of(app, "notifications") == []


def test_notifications_does_not_import_the_pipeline():
    assert imports_of("notifications", "pipeline") == []


def test_the_scan_sees_imports():
    assert ("notifications/views.py", "notifications.unsubscribe") in imported_modules(
        "notifications"
    )
