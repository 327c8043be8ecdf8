"""The username rule, declared once: which names a person may take, which names belong to
the site itself, and when two names are the same name.

A username is stored NFKC-normalized, as Django's forms already store it. Allowed: letters
of any script (Unicode categories L*), combining marks after a letter (at most
`MAX_MARKS_IN_A_ROW` on one letter), decimal digits, and `@ . + - _`. Refused: spaces,
control, format and other invisible characters (bidi overrides, zero-width joiners, soft
hyphens, variation selectors), every other symbol or punctuation, a first character a
spreadsheet would run as a formula (`= + - @`), a name without a letter or digit, and a name
mixing Latin, Greek and Cyrillic letters (`аdmin` with a Cyrillic `а`), which NFKC does not
fold together.

Two names are the same name when their keys are equal (`username_key`): NFKC, invisible
characters dropped, case folded. `User.username_key` is unique, so `Admin`, `ＡＤＭＩＮ` and
`admin` plus a zero-width joiner cannot stand beside `admin`.

People may not take the reserved names, nor names too close to one (the same once `. + - _
@` are dropped), nor a `<kind>:` prefix of a pseudo-forecaster: the colon is not a character
a person's name may hold, so `article:...`, `speaker:...` and the like can never collide with
a person. System paths (migrations, `ensure_admin`, the community user, pseudo-forecasters)
pass `system=True` and may use them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

MAX_LENGTH = 150
"""As `AbstractUser.username`."""

KEY_MAX_LENGTH = 3 * MAX_LENGTH
"""Case folding may lengthen a name (`ß` -> `ss`, `ΐ` -> three characters)."""

MAX_MARKS_IN_A_ROW = 3

COMMUNITY_USERNAME = "community"
"""The system user the community forecast is scored as (scoring creates and reads it)."""

RESERVED_USERNAMES = frozenset(
    {
        COMMUNITY_USERNAME,
        "crowd",
        "admin",
        "admins",
        "administrator",
        "administrators",
        "analyst",
        "analysts",
        "staff",
        "system",
        "root",
        "superuser",
        "sysadmin",
        "moderator",
        "support",
        "help",
        "security",
        "abuse",
        "webmaster",
        "postmaster",
        "hostmaster",
        "noreply",
        "foreseer",
        "anonymous",
        "nobody",
        "everyone",
        "null",
        "none",
        "undefined",
    }
)
"""Keys of names that belong to the site: people may not take them, nor names whose key is
one of these once `. + - _ @` are dropped (`ad_min`, `Support.`)."""

PSEUDO_FORECASTER_KINDS = frozenset(
    {"article", "speaker", "outlet", "author", "source", "pundit", "model", "bot", "system"}
)
"""Pseudo-forecasters are named `<kind>:<name>` (`article:some-slug`)."""

SEPARATORS = "@.+-_"
FORMULA_STARTS = "=+-@"

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties): drawn as nothing.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Controls, formats, surrogates, private use, unassigned, line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_LOOK_ALIKE_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")


def is_invisible(char: str) -> bool:
    code = ord(char)
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
        return True
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def username_normalize(value: str) -> str:
    """What is stored: surrounding whitespace dropped, NFKC (`ＡＤＭＩＮ` -> `ADMIN`)."""
    return unicodedata.normalize("NFKC", (value or "").strip())


def username_key(username: str) -> str:
    """The name two usernames share when they are the same name: NFKC, invisible
    characters and surrounding whitespace dropped, case folded (`User.username_key`,
    unique)."""
    normal = unicodedata.normalize("NFKC", username)
    visible = "".join(c for c in normal if not is_invisible(c)).strip()
    return unicodedata.normalize("NFKC", visible.casefold())


def _reserved_root(key: str) -> str | None:
    """The reserved name `key` is, or is too close to; else None."""
    if key in RESERVED_USERNAMES:
        return key
    bare = "".join(c for c in key if c not in SEPARATORS)
    return bare if bare in RESERVED_USERNAMES else None


def _pseudo_kind(key: str) -> str | None:
    kind, colon, _ = key.partition(":")
    return kind if colon and kind in PSEUDO_FORECASTER_KINDS else None


def _quoted(chars: Iterable[str]) -> str:
    shown = list(dict.fromkeys(chars))
    listed = ", ".join(repr(c) for c in shown[:5])
    return listed + (", ..." if len(shown) > 5 else "")


def _marks_problem(name: str) -> str | None:
    in_a_row = 0
    for position, char in enumerate(name):
        if not unicodedata.category(char).startswith("M"):
            in_a_row = 0
            continue
        if position == 0:
            return "A username may not start with a combining mark."
        in_a_row += 1
        if in_a_row > MAX_MARKS_IN_A_ROW:
            return (
                f"A username may not stack more than {MAX_MARKS_IN_A_ROW} combining marks "
                "on one letter."
            )
    return None


def _scripts_problem(name: str) -> str | None:
    scripts = set()
    for char in name:
        if unicodedata.category(char).startswith("L"):
            script = unicodedata.name(char, "").split(" ", 1)[0]
            if script in _LOOK_ALIKE_SCRIPTS:
                scripts.add(script.title())
    if len(scripts) > 1:
        return (
            "A username may not mix Latin, Greek and Cyrillic letters, which look alike; "
            f"this one has {' and '.join(sorted(scripts))} letters."
        )
    return None


def _characters_problem(name: str) -> str | None:
    """The characters rule, on a normalized name without its pseudo-forecaster prefix."""
    if name[0] in FORMULA_STARTS:
        return (
            f"A username may not start with {name[0]!r}: a spreadsheet would run it as a formula."
        )
    if any(unicodedata.category(c) == "Zs" for c in name):
        return "A username may not contain spaces."
    refused = [
        c
        for c in name
        if c not in SEPARATORS and unicodedata.category(c)[0] not in "LM" and not c.isdecimal()
    ]
    if refused:
        return (
            f"A username may contain only letters, digits and {' '.join(SEPARATORS)}; "
            f"not {_quoted(refused)}."
        )
    if not any(unicodedata.category(c).startswith("L") or c.isdecimal() for c in name):
        return "A username needs at least one letter or digit."
    return _marks_problem(name) or _scripts_problem(name)


def username_problem(value: str, *, system: bool = False) -> str | None:
    """Why `value` cannot be a username (a person's, or with `system` the site's own);
    None if it can."""
    if len(value or "") > 4 * MAX_LENGTH:
        # Not worth normalizing, which NFKC can lengthen but hardly shorten this much.
        return f"A username has at most {MAX_LENGTH} characters; this one has {len(value)}."
    name = username_normalize(value)
    if not name:
        return "Enter a username."
    if len(name) > MAX_LENGTH:
        return f"A username has at most {MAX_LENGTH} characters; this one has {len(name)}."
    invisible = next((c for c in name if is_invisible(c)), None)
    if invisible is not None:
        return (
            "A username may not contain invisible or control characters; this one has "
            f"{_describe(invisible)}."
        )
    key = username_key(name)
    if len(key) > KEY_MAX_LENGTH:
        return f"A username has at most {MAX_LENGTH} characters once its case is folded."
    kind = _pseudo_kind(key)
    if kind is not None:
        if not system:
            return f"Usernames starting with '{kind}:' are reserved for pseudo-forecasters."
        name = name.partition(":")[2]
        if not name:
            return f"A pseudo-forecaster's name needs something after '{kind}:'."
    problem = _characters_problem(name)
    if problem or system:
        return problem
    root = _reserved_root(key)
    if root == key:
        return f"{name!r} is reserved for the site's own accounts."
    if root is not None:
        return f"{name!r} is too close to {root!r}, a name reserved for the site's own accounts."
    return None


def username_clean(value: str, *, system: bool = False) -> str:
    """`value` as it is stored (NFKC, stripped), or ValidationError({"username": [...]}).
    `system` admits reserved names and pseudo-forecaster prefixes: for migrations,
    `ensure_admin`, the community user and pseudo-forecasters, never for people. Whether
    the name is taken is the caller's question (`accounts.services`)."""
    problem = username_problem(value, system=system)
    if problem:
        raise ValidationError({"username": [problem]}, code="invalid")
    return username_normalize(value)


@deconstructible
class UsernameValidator:
    """The characters rule on `User.username`, so every model form and `createsuperuser`
    apply it. Reserved names are the people paths' concern (`username_clean`): the
    admin's own account must stay editable."""

    code = "invalid"

    def __call__(self, value: str) -> None:
        problem = username_problem(value, system=True)
        if problem:
            raise ValidationError(problem, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UsernameValidator)

    def __hash__(self) -> int:
        return hash(type(self))
