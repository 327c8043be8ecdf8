"""The rule registry is the one place a rule is spelled out, and adding a rule there is
enough for the API, the exports and the pages to carry it."""

from __future__ import annotations

import ast
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from scoring import registry
from scoring.services import question_score, scopes_rebuild_dirty
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory

ROOT = Path(settings.BASE_DIR)
APPS = ("accounts", "claims", "common", "config", "forecasts", "notifications", "pages", "pipeline",
        "questions", "scoring")  # fmt: skip


def _is_docstring(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    parent = parents.get(node)
    holder = parents.get(parent) if isinstance(parent, ast.Expr) else None
    return isinstance(
        holder, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
    ) or isinstance(parent, ast.Expr)


def _strings(path: Path) -> list[str]:
    """The string values a module's code uses (docstrings and comments left out: they may
    explain a rule in words)."""
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and not _is_docstring(node, parents)
    ]


def _sources() -> list[Path]:
    paths = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*")):
            if "migrations" in path.parts or "vendor" in path.parts or "__pycache__" in path.parts:
                continue
            if path.suffix in (".py", ".html", ".txt", ".js"):
                paths.append(path)
    return paths


def _mentions(path: Path, rule: registry.Rule) -> bool:
    if path.suffix == ".py":
        strings = _strings(path)
        return rule.key in strings or any(rule.label in text for text in strings)
    text = path.read_text()
    return any(f"{quote}{rule.key}{quote}" in text for quote in "\"'") or rule.label in text


@pytest.mark.parametrize("rule", registry.rules(), ids=lambda rule: rule.key)
def test_a_rule_is_spelled_out_in_one_module(rule):
    spelled = [str(path.relative_to(ROOT)) for path in _sources() if _mentions(path, rule)]
    assert spelled == ["scoring/registry.py"]


# --- A rule added to the registry reaches the API, the export and the pages ---------------

DOUBLED = registry.Rule(
    key="brier_again",
    column=registry.DAILY_BRIER.column,
    core_field=registry.DAILY_BRIER.core_field,
    label="Brier again",
    short_label="Brier again",
    lower_is_better=True,
    direction="lower is better, as for any Brier score",
    unit="Brier points",
    places=4,
    signed=False,
    total=registry.MEAN,
    weight=registry.PARTICIPATION,
    nullable=True,
    formula="the Daily Brier, read a second time",
    explanation="A rule that exists only while this test runs.",
    section="§3",
)


@pytest.fixture
def doubled():
    with registry.registered(DOUBLED) as rule:
        yield rule


@pytest.fixture
def scored(db, staff):
    from questions.services import question_resolve

    question = QuestionFactory(slug="registry-q", open_time=timezone.now() - timedelta(days=10))
    for probability in (0.2, 0.7):
        ForecastFactory(
            question=question,
            user=UserFactory(),
            probability=probability,
            created_at=question.open_time + timedelta(hours=1),
        )
    question_resolve(
        question=question,
        outcome="yes",
        known_at=question.open_time + timedelta(days=3),
        resolved_by=StaffFactory(),
    )
    return question


def test_a_new_rule_reaches_the_api_the_export_and_the_pages(doubled, scored, client, staff):
    question_score(question_id=scored.pk)
    scopes_rebuild_dirty()

    # The API: every score row carries it, with its description, and a board ranks by it.
    scores = client.get(reverse("api:question-scores", args=[scored.slug])).json()
    assert scores["rules"][doubled.key] == doubled.description
    brier = registry.DAILY_BRIER.key
    assert all(row[doubled.key] == row[brier] for row in scores["scores"])
    board = client.get(reverse("api:leaderboard"), {"rule": doubled.key, "min_questions": 0})
    assert board.status_code == 200, board.content
    assert board.json()["rule_description"] == doubled.description
    assert board.json()["results"]

    # The export: a row per forecaster for the new rule.
    out = io.StringIO()
    call_command("export_scores", "--question", scored.slug, stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {row["rule"] for row in rows} >= {doubled.key, brier}
    assert sum(row["rule"] == doubled.key for row in rows) == 3  # two forecasters, the crowd

    # The pages: the question's scores table and the leaderboard's menu and lede.
    page = client.get(reverse("questions:detail", args=[scored.slug])).content.decode()
    assert f"{doubled.short_label} ({doubled.direction})" in page
    leaderboard = client.get(reverse("scoring:leaderboard"), {"rule": doubled.key})
    assert leaderboard.status_code == 200
    assert doubled.headline in leaderboard.content.decode()


def test_an_unknown_rule_is_refused_by_name():
    with pytest.raises(registry.UnknownRule):
        registry.get("nope")
    with pytest.raises(ValueError, match="exists already"), registry.registered(registry.PEER):
        pass
