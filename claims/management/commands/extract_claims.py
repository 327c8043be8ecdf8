"""`manage.py extract_claims FILE [--published YYYY-MM-DD] [--format json|table]`:
print the claims the extractor proposes for an article file. Writes nothing.

FILE is .txt or .md (read as it is) or .html (main text through trafilatura, see
claims/reading.py). Offsets are into that text. Horizons are dated from --published,
or from the page's own publication date when it is an HTML page that gives one."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from claims.extraction import Proposal, extract_claims
from claims.reading import SUFFIXES, ArticleReadError, article_read
from common import likelihood

FORMATS = ("json", "table")
_PASSAGE_WIDTH = 72


def _published(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--published {raw!r}: give a date as YYYY-MM-DD.") from None


def _range(proposal: Proposal) -> str:
    if proposal.low is None or proposal.high is None:
        return ""
    low, high = round(proposal.low * 100), round(proposal.high * 100)
    return f"{low}%" if low == high else f"{low}–{high}%"


def _horizon(proposal: Proposal) -> str:
    if not proposal.horizon_text or proposal.horizon_text in proposal.passage:
        return proposal.horizon_text
    return f"{proposal.horizon_text} (stated earlier in the paragraph or its heading)"


def _speaker(proposal: Proposal) -> str:
    if proposal.speaker is None:
        return "(the byline)"
    if proposal.speaker_affiliation:
        return f"{proposal.speaker} ({proposal.speaker_affiliation})"
    return proposal.speaker


def _table_block(proposal: Proposal, number: int) -> list[str]:
    passage = textwrap.wrap(proposal.passage, _PASSAGE_WIDTH) or [""]
    lines = [f"{number:>3}. [{proposal.start}:{proposal.end}] {passage[0]}"]
    lines += [f"     {line}" for line in passage[1:]]
    rows = [
        ("kind", proposal.kind + (" (negated)" if proposal.negated else "")),
        ("expression", proposal.expression),
        ("range", _range(proposal)),
        ("table", likelihood.table_name(proposal.table) if proposal.table else ""),
        ("horizon", _horizon(proposal)),
        ("ends", proposal.horizon_end.isoformat() if proposal.horizon_end else ""),
        ("speaker", _speaker(proposal)),
    ]
    lines += [f"     {label:<11}{value}" for label, value in rows if value]
    return lines


class Command(BaseCommand):
    help = "Print the claims proposed for an article file (.txt, .md or .html); writes nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path, help=f"One of {', '.join(SUFFIXES)}.")
        parser.add_argument(
            "--published",
            help="The publication date (YYYY-MM-DD) horizons are dated from; "
            "required unless an HTML page gives its own.",
        )
        parser.add_argument("--format", choices=FORMATS, default="json", dest="output")

    def handle(self, *args: Any, file: Path, published: str | None, output: str, **_: Any) -> None:
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"{file}: cannot read the file ({error.strerror}).") from None
        try:
            article = article_read(content, file.name)
        except ArticleReadError as error:
            raise CommandError(str(error)) from None
        when = _published(published) if published else article.date
        if when is None:
            raise CommandError(
                f"{file}: no publication date found in the file; "
                "give it with --published YYYY-MM-DD."
            )
        proposals = extract_claims(article.text, published=when)
        if output == "json":
            data = [p.as_dict() for p in proposals]
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self._table(file, article.title, when, proposals)

    def _table(self, file: Path, title: str, when: date, proposals: list[Proposal]) -> None:
        heading = title or file.name
        self.stdout.write(f"{heading} (published {when.isoformat()}): {len(proposals)} proposed")
        for number, proposal in enumerate(proposals, start=1):
            self.stdout.write("")
            for line in _table_block(proposal, number):
                self.stdout.write(line)
