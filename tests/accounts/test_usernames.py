"""The username rule (accounts/usernames.py) on its own: which names it refuses and why,
which unusual names it keeps, and when two names are the same name. No database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from accounts.usernames import (
    COMMUNITY_USERNAME,
    RESERVED_USERNAMES,
    UsernameValidator,
    username_clean,
    username_key,
    username_problem,
)
from scoring.selectors import COMMUNITY_USERNAME as SCORED_AS

RESERVED = "{} is reserved for the site's own accounts."
INVISIBLE = "A username may not contain invisible or control characters; this one has {}."
FORMULA = "A username may not start with {!r}: a spreadsheet would run it as a formula."
PSEUDO = "Usernames starting with {!r} are reserved for pseudo-forecasters."
CHARACTERS = "A username may contain only letters, digits and @ . + - _; not {}."

# What a person may not be called, and the message that says why; the sign-up, API,
# admin and import tests run the same table through their paths.
REFUSED = [
    ("admin", RESERVED.format("'admin'")),
    ("Admin", RESERVED.format("'Admin'")),
    ("ＡＤＭＩＮ", RESERVED.format("'ADMIN'")),  # fullwidth: NFKC folds it
    ("admin\u200d", INVISIBLE.format("U+200D ZERO WIDTH JOINER")),
    ("ad\u00admin", INVISIBLE.format("U+00AD SOFT HYPHEN")),
    ("evil\u202egnp.exe", INVISIBLE.format("U+202E RIGHT-TO-LEFT OVERRIDE")),
    ("bob\u2066", INVISIBLE.format("U+2066 LEFT-TO-RIGHT ISOLATE")),
    ("=cmd|calc", FORMULA.format("=")),
    ("+1-555-0100", FORMULA.format("+")),
    ("-2+3", FORMULA.format("-")),
    ("@SUM(A1)", FORMULA.format("@")),
    ("＝cmd", FORMULA.format("=")),  # fullwidth equals sign
    ("<script>", CHARACTERS.format("'<', '>'")),
    ("bob;drop", CHARACTERS.format("';'")),
    ("bob smith", "A username may not contain spaces."),
    ("bob\u3000smith", "A username may not contain spaces."),  # ideographic space
    ("...", "A username needs at least one letter or digit."),
    ("\u0301bob", "A username may not start with a combining mark."),
    (
        "а" + "dmin",  # a Cyrillic а, then Latin letters
        "A username may not mix Latin, Greek and Cyrillic letters, which look alike; "
        "this one has Cyrillic and Latin letters.",
    ),
    ("community", RESERVED.format("'community'")),
    ("Community", RESERVED.format("'Community'")),
    ("support", RESERVED.format("'support'")),
    ("Foreseer", RESERVED.format("'Foreseer'")),
    ("anonymous", RESERVED.format("'anonymous'")),
    ("root", RESERVED.format("'root'")),
    (
        "ad_min",
        "'ad_min' is too close to 'admin', a name reserved for the site's own accounts.",
    ),
    (
        "Community.",
        "'Community.' is too close to 'community', a name reserved for the site's own accounts.",
    ),
    ("article:fractured-pillar", PSEUDO.format("article:")),
    ("Speaker:jane-doe", PSEUDO.format("speaker:")),
    ("outlet:example", PSEUDO.format("outlet:")),
    ("author：someone", PSEUDO.format("author:")),  # fullwidth colon
    ("user:bob", CHARACTERS.format("':'")),
    ("x" * 151, "A username has at most 150 characters; this one has 151."),
    ("", "Enter a username."),
]

# Unusual names a person may take: letters of any script, marks, digits, the separators.
ALLOWED = [
    ("José", "José"),
    ("Jose\u0301", "José"),  # decomposed: stored composed
    ("李雷", "李雷"),
    ("Σωκράτης", "Σωκράτης"),
    ("Дмитрий", "Дмитрий"),
    ("राम", "राम"),  # Devanagari vowel sign: a combining mark
    ("محمد", "محمد"),
    ("émile-zola", "émile-zola"),
    ("o.brien_2", "o.brien_2"),
    ("ann+forecasts@example.org", "ann+forecasts@example.org"),
    ("admin1", "admin1"),
    ("Supporter", "Supporter"),
    ("ℌello", "Hello"),  # NFKC
    ("  padded  ", "padded"),
]


@pytest.mark.parametrize(("name", "message"), REFUSED)
def test_a_person_may_not_take_the_name(name, message):
    assert username_problem(name) == message
    with pytest.raises(ValidationError) as raised:
        username_clean(name)
    assert raised.value.message_dict == {"username": [message]}


@pytest.mark.parametrize(("name", "stored"), ALLOWED)
def test_unusual_names_are_kept_and_stored_nfkc(name, stored):
    assert username_problem(name) is None
    assert username_clean(name) == stored


@pytest.mark.parametrize(
    "name", ["admin", "community", "Support", "article:fractured-pillar", "speaker:jane-doe"]
)
def test_system_paths_may_use_reserved_names_and_pseudo_forecaster_prefixes(name):
    assert username_clean(name, system=True) == name
    assert UsernameValidator()(name) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("admin\u200d", INVISIBLE.format("U+200D ZERO WIDTH JOINER")),
        ("=cmd|calc", FORMULA.format("=")),
        ("article:", "A pseudo-forecaster's name needs something after 'article:'."),
        ("article:<b>", CHARACTERS.format("'<', '>'")),
    ],
)
def test_system_names_still_follow_the_characters_rule(name, message):
    assert username_problem(name, system=True) == message
    with pytest.raises(ValidationError) as raised:
        UsernameValidator()(name)
    assert raised.value.messages == [message]


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (
            ["admin", "Admin", "ADMIN", "ＡＤＭＩＮ", "admin\u200d", "ad\u00admin", "\u2066admin"],
            "admin",
        ),
        (["José", "JOSÉ", "Jose\u0301", "JOSE\u0301"], "josé"),
        (["straße", "STRASSE", "strasse"], "strasse"),
        (["ﬁsh", "FISH"], "fish"),
        (["Σωκράτης", "ΣΩΚΡΆΤΗΣ"], "σωκράτησ"),
    ],
)
def test_names_that_differ_only_in_case_or_look_alike_characters_share_a_key(names, key):
    assert {username_key(name) for name in names} == {key}


def test_different_names_keep_different_keys():
    names = ["alice", "alice1", "alicé", "аlice", "al.ice", "alice_"]
    assert len({username_key(name) for name in names}) == len(names)


def test_the_community_user_scoring_uses_is_a_reserved_name():
    assert SCORED_AS == COMMUNITY_USERNAME
    assert COMMUNITY_USERNAME in RESERVED_USERNAMES


@given(st.text(max_size=40))
def test_a_key_is_its_own_key(text):
    assert username_key(username_key(text)) == username_key(text)


@given(st.text(max_size=40))
def test_an_accepted_name_is_accepted_as_stored_with_the_same_key(text):
    if username_problem(text) is None:
        stored = username_clean(text)
        assert username_problem(stored) is None
        assert username_clean(stored) == stored
        assert username_key(stored) == username_key(text)
