"""Every stylesheet of the site's own parses as blocks that close: a rule left open (a
lost `}`) swallows every rule after it without an error anywhere, and a page quietly
loses its layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHEETS = sorted(
    path
    for path in ROOT.glob("*/static/**/*.css")
    if ".venv" not in path.parts and "vendor" not in path.parts
)
_COMMENTS_AND_STRINGS = re.compile(r"/\*.*?\*/|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", re.S)


def unclosed_block(css: str) -> int | None:
    """The line of the first `{` that never closes (or of a `}` with nothing open), or
    None when every block closes."""
    stripped = _COMMENTS_AND_STRINGS.sub(lambda m: "\n" * m.group().count("\n"), css)
    opened: list[int] = []
    for line_number, line in enumerate(stripped.splitlines(), start=1):
        for character in line:
            if character == "{":
                opened.append(line_number)
            elif character == "}":
                if not opened:
                    return line_number
                opened.pop()
    return opened[0] if opened else None


def test_the_site_has_stylesheets_to_check():
    assert len(SHEETS) >= 5


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_block_closes(sheet: Path):
    line = unclosed_block(sheet.read_text(encoding="utf-8"))
    assert line is None, f"{sheet.relative_to(ROOT)}: the block opened on line {line} never closes"


@pytest.mark.parametrize(
    ("css", "line"),
    [
        ("a { color: red; }\nb { color: blue; }", None),
        ("a {\n  color: red;\n\nb { color: blue; }", 1),
        ("/* { */ a { content: '}'; }", None),
        ("a { }\n}", 2),
        ("@media (max-width: 40rem) {\n  a { color: red; }\n}", None),
    ],
)
def test_an_unclosed_block_is_found(css, line):
    assert unclosed_block(css) == line
