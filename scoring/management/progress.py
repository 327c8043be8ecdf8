"""Progress bars for the scoring commands."""

from __future__ import annotations

from typing import TextIO, cast

from django.core.management.base import BaseCommand


def progress_stream(command: BaseCommand) -> TextIO:
    """The stream under the command's stderr, for tqdm: tqdm writes carriage returns, and
    the command's stderr wrapper would add a newline to each write."""
    # OutputWrapper keeps the stream it wraps as `_out`, which its stubs do not declare.
    return cast(TextIO, command.stderr._out)
