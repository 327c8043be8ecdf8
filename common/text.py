"""Checks on text that every way in applies, and a list written in words."""

from __future__ import annotations

from collections.abc import Iterable

# Characters no field takes: NUL and the other C0 controls but tab, newline and carriage
# return, DEL, and the C1 controls. PostgreSQL refuses NUL in text outright.
_CONTROL = frozenset({*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)})


def control_character(text: str) -> str | None:
    """The first control character in `text` (as U+XXXX), or None."""
    for char in text:
        if ord(char) in _CONTROL:
            return f"U+{ord(char):04X}"
    return None


CONTROL_MESSAGE = "Contains the control character {}, which is not allowed."


def nested_deeper_than(data: object, limit: int) -> bool:
    """Whether lists and mappings nest more than `limit` levels in `data`. Walked with a
    stack: a deep document must not exhaust Python's."""
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return False


def line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def in_words(names: Iterable[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    listed = list(names)
    return " and ".join([", ".join(listed[:-1]), listed[-1]] if len(listed) > 1 else listed)
