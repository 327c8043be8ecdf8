"""No function or method of the project is more complex than radon's grade C (cyclomatic
complexity 20): past that, a function is one only its author can hold in mind, so it is
split by concept. The blocks checked are those `radon cc -n D` lists (functions, methods,
and classes as radon scores them) over the apps, config and bench; scoring/core (the pure
NumPy kernels) is outside the rule, and so are migrations (generated) and tests."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("accounts", "common", "questions", "forecasts", "claims", "scoring", "notifications",
           "pages", "pipeline", "config", "bench")  # fmt: skip
LEFT_OUT = ("scoring/core/",)
LIMIT = 20


def _sources() -> list[Path]:
    paths = []
    for folder in CHECKED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or "tests" in relative.parts:
                continue
            if relative.as_posix().startswith(LEFT_OUT):
                continue
            paths.append(path)
    return paths


def too_complex(source: str, *, name: str) -> list[str]:
    """Each block of `source` above the limit, as "file:line name (complexity)"."""
    return [
        f"{name}:{block.lineno} {block.fullname} ({block.complexity})"
        for block in cc_visit(source)
        if block.complexity > LIMIT
    ]


def test_no_function_is_above_complexity_20():
    found = [
        line
        for path in _sources()
        for line in too_complex(path.read_text(encoding="utf-8"), name=str(path.relative_to(ROOT)))
    ]
    assert found == [], "Above cyclomatic complexity 20; split by concept:\n" + "\n".join(found)


def _branches(count: int) -> str:
    """A function of complexity 1 + count."""
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(count))
    return f"def shape(x):\n{branches}    return -1\n"


def test_the_check_names_a_function_above_20_and_only_it():
    assert too_complex(_branches(19), name="pages/x.py") == []
    assert too_complex(_branches(20), name="pages/x.py") == ["pages/x.py:1 shape (21)"]


def test_the_scan_reads_the_apps_and_leaves_out_the_core_and_migrations():
    scanned = {str(path.relative_to(ROOT)) for path in _sources()}
    assert {"scoring/views.py", "bench/_naive_rules.py", "config/urls.py"} <= scanned
    assert not any(name.startswith("scoring/core/") or "/migrations/" in name for name in scanned)
