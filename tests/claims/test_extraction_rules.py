"""The extractor's rules one at a time: horizons, negation, stated figures, speakers,
and what is not a claim. Each case is one sentence or two; the gold-file test
(test_extraction.py) measures the whole on real articles."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.extraction import KIND_HORIZON, KIND_LIKELIHOOD, KIND_NUMBER, Proposal, extract_claims
from claims.horizons import date_add, horizons_find

PUBLISHED = date(2025, 12, 7)


def _one(text: str) -> Proposal:
    proposals = extract_claims(text, published=PUBLISHED)
    assert len(proposals) == 1, proposals
    return proposals[0]


@pytest.mark.parametrize(
    ("phrase", "end"),
    [
        ("within six months", date(2026, 6, 7)),
        ("within a year", date(2026, 12, 7)),
        ("by 2030", date(2030, 12, 31)),
        ("by the end of 2027", date(2027, 12, 31)),
        ("by mid-2027", date(2027, 6, 30)),
        ("by early 2028", date(2028, 3, 31)),
        ("before 2030", date(2029, 12, 31)),
        ("before the end of 2030", date(2030, 12, 31)),
        ("before mid-2027", date(2027, 6, 30)),
        ("before March 2027", date(2027, 2, 28)),
        ("before June 30, 2027", date(2027, 6, 29)),
        ("before the end of March 2027", date(2027, 3, 31)),
        ("over the next decade", date(2035, 12, 7)),
        ("in the coming years", date(2028, 12, 7)),
        ("in the coming months", date(2026, 3, 7)),
        ("in ten years", date(2035, 12, 7)),
        ("in 18 months' time", date(2027, 6, 7)),
        ("the next few years", date(2028, 12, 7)),
        ("over the next two decades", date(2045, 12, 7)),
        ("Next 6 Months", date(2026, 6, 7)),
        ("three years from now", date(2028, 12, 7)),
        ("by March 2027", date(2027, 3, 31)),
        ("by June 30, 2027", date(2027, 6, 30)),
        ("by the end of next year", date(2026, 12, 31)),
        ("by the end of this year", date(2025, 12, 31)),
        ("next year", date(2026, 12, 31)),
        ("in next month's talks", date(2026, 1, 31)),
        ("within the next year", date(2026, 12, 7)),
        # An event in a year is not "before" the year: it ends with the year.
        ("before the 2028 election", date(2028, 12, 31)),
        ("by the 2027 summit", date(2027, 12, 31)),
        ("through 2028", date(2028, 12, 31)),
        ("throughout 2027", date(2027, 12, 31)),
        ("for most of 2027", date(2027, 12, 31)),
        ("in 2027", date(2027, 12, 31)),
        ("in early 2028", date(2028, 3, 31)),
        ("between 2026 and 2029", date(2029, 12, 31)),
        ("from 2027 to 2030", date(2030, 12, 31)),
        # Seasons are meteorological; "next" is the first to start after publication.
        ("next spring", date(2026, 5, 31)),
        ("before the end of next winter", date(2027, 2, 28)),
        ("in the autumn of 2027", date(2027, 11, 30)),
        ("this month", date(2025, 12, 31)),
        # A day with no year is this year's, or next year's once it has passed.
        ("on December 20", date(2025, 12, 20)),
        ("by June 30", date(2026, 6, 30)),
        ("in the second half of 2027", date(2027, 12, 31)),
        ("in the first quarter of 2027", date(2027, 3, 31)),
        ("by the turn of the decade", date(2030, 12, 31)),
        # "the summer" alone is the next one not yet over; "before" ends the day before.
        ("before the summer", date(2026, 5, 31)),
        ("by the summer", date(2026, 8, 31)),
    ],
)
def test_horizons_are_dated_from_the_publication_date(phrase: str, end: date) -> None:
    text = f"Seoul will act {phrase}, officials hope."
    [horizon] = horizons_find(text, published=PUBLISHED)
    assert text[horizon.start : horizon.end] == horizon.text
    assert (horizon.date_start, horizon.date_end) == (PUBLISHED, end)


@pytest.mark.parametrize(
    "text",
    [
        "Over the past six months, several events have heightened tensions.",
        "Exports have declined since 2020.",
        "The alliance emerged in 1953.",
        "The treaty was to be revised by 2020.",  # a date already behind the article
        "For the first time in two years, the leaders met.",
        "Three years ago, the talks stopped.",
        "Exports rose earlier this year.",
        "Exports rose 5 percent so far this year.",
        "Exports fell in 2025.",  # the publication's own year may be past or future
        "The talks opened on March 3.",  # a day without a year, already passed
    ],
)
def test_the_past_is_no_horizon(text: str) -> None:
    assert horizons_find(text, published=PUBLISHED) == []


def test_this_year_dates_a_claim_but_does_not_make_one() -> None:
    assert extract_claims("Sales in Korea fell this year.", published=PUBLISHED) == []
    claim = _one("Sales in Korea are likely to fall this year.")
    assert claim.horizon_end == date(2025, 12, 31)
    # A horizon that looks ahead is preferred to "this month" for dating.
    claim = _one("A survey published this month expects Seoul to leave within a year.")
    assert claim.horizon_text == "within a year"


def test_a_weak_horizon_does_not_carry_to_the_next_sentence() -> None:
    text = (
        "A poll published this month found 61 percent support in Seoul. "
        "Support in Seoul will probably fall before the summer."
    )
    [claim] = extract_claims(text, published=PUBLISHED)
    assert (claim.expression, claim.horizon_text) == ("probably", "before the summer")
    text = (
        "A poll published this month found support in Seoul. Support in Seoul will probably fall."
    )
    [claim] = extract_claims(text, published=PUBLISHED)
    assert claim.horizon_text == ""


def test_a_past_forecasts_relative_horizon_is_not_counted_from_publication() -> None:
    text = "Few at the time predicted that Seoul would leave within a year, yet it did."
    assert extract_claims(text, published=PUBLISHED) == []
    # An absolute date is still a date, and a present forecast keeps its horizon.
    assert _one("In 2024 analysts predicted that Seoul would leave by 2030.").horizon_end == (
        date(2030, 12, 31)
    )
    assert _one("Seoul will leave within a year.").horizon_end == date(2026, 12, 7)


def test_a_requirement_with_a_horizon_is_no_claim() -> None:
    text = "Agencies in Seoul must migrate to new algorithms over the next decade."
    assert extract_claims(text, published=PUBLISHED) == []
    # With a wording it is still read: the wording, not the "must", makes the claim.
    assert _one("Agencies in Seoul must migrate, and will likely do so by 2030.").expression == (
        "likely"
    )


def test_an_indirect_question_with_a_horizon_is_no_claim() -> None:
    text = "Whether Seoul buys a deterrent is a question the next decade will answer."
    assert extract_claims(text, published=PUBLISHED) == []
    # "Whether or not" concedes; what follows is still a forecast.
    claim = _one("Whether or not Seoul agrees, Tokyo will act within a year.")
    assert claim.horizon_text == "within a year"


def test_months_are_added_by_the_calendar() -> None:
    assert date_add(date(2026, 1, 31), months=1) == date(2026, 2, 28)
    assert date_add(date(2024, 2, 29), years=1) == date(2025, 2, 28)


def test_a_horizon_alone_is_a_claim_and_a_later_sentence_inherits_it() -> None:
    text = (
        "Over the next decade, the alliance faces a redefinition. "
        "The alliance may shift toward a partnership."
    )
    first, second = extract_claims(text, published=PUBLISHED)
    assert (first.kind, first.expression, first.low, first.table) == (KIND_HORIZON, "", None, "")
    assert first.horizon_end == date(2035, 12, 7)
    assert (second.kind, second.expression, second.horizon_text) == (
        KIND_LIKELIHOOD,
        "may",
        "Over the next decade",
    )


def test_a_headings_horizon_holds_until_the_next_heading() -> None:
    text = (
        "Outlook (Next 6 Months)\n\nThe talks will likely stall.\n\n"
        "Background\n\nThe talks in Seoul will likely stall again."
    )
    first, second = extract_claims(text, published=PUBLISHED)
    assert first.horizon_end == date(2026, 6, 7)
    # A heading with no horizon ends the section's.
    assert second.horizon_end is None


@pytest.mark.parametrize(
    ("text", "expression", "table", "low", "high", "negated"),
    [
        ("Seoul is likely to leave by 2030.", "likely", "icd203", 0.55, 0.80, False),
        ("Seoul is unlikely to leave by 2030.", "unlikely", "icd203", 0.20, 0.45, False),
        ("Seoul is very unlikely to leave by 2030.", "very unlikely", "icd203", 0.05, 0.20, False),
        ("Seoul is not likely to leave by 2030.", "likely", "icd203", 0.20, 0.45, True),
        ("Seoul isn't likely to leave by 2030.", "likely", "icd203", 0.20, 0.45, True),
        ("Seoul is expected to leave by 2030.", "expected to", "kent1964", 0.63, 0.87, False),
        ("Seoul is not expected to leave by 2030.", "expected to", "kent1964", 0.13, 0.37, True),
        ("Seoul may not leave by 2030.", "may", "hedge_survey", 0.20, 0.80, True),
        (
            "It is probably not going to happen in Seoul.",
            "probably not",
            "kent1964",
            0.2,
            0.4,
            False,
        ),
        ("More likely, Seoul will stay by 2030.", "More likely", "icd203", 0.55, 0.80, False),
        ("Seoul is almost certain to stay by 2030.", "almost certain", "icd203", 0.95, 0.99, False),
        ("It is certain that Seoul stays by 2030.", "certain", "kent1964", 1.0, 1.0, False),
    ],
)
def test_wordings_and_negation(
    text: str, expression: str, table: str, low: float, high: float, negated: bool
) -> None:
    claim = _one(text)
    assert (claim.expression, claim.table, claim.negated) == (expression, table, negated)
    assert claim.low == pytest.approx(low)
    assert claim.high == pytest.approx(high)
    assert claim.kind == KIND_LIKELIHOOD


@pytest.mark.parametrize(
    ("text", "expression", "value"),
    [
        ("Analysts give Seoul a 60 % chance of leaving.", "a 60 % chance", 0.6),
        ("Analysts give Seoul a 60% chance of leaving.", "a 60% chance", 0.6),
        ("Analysts give Seoul a 60 percent chance of leaving.", "a 60 percent chance", 0.6),
        ("There is a 30 per cent probability that Seoul leaves.", "a 30 per cent probability", 0.3),
        (
            "The government in Seoul has a one in three chance of falling.",
            "a one in three chance",
            1 / 3,
        ),
        ("The odds are one in three that Seoul leaves.", "one in three", 1 / 3),
        (
            "The government in Seoul has a two-thirds chance of falling.",
            "a two-thirds chance",
            2 / 3,
        ),
        ("Analysts put the probability at 25 % that Seoul leaves.", "25 %", 0.25),
        ("The odds of a recession in Korea are about one in four.", "one in four", 0.25),
        # "puts the chance of X at N": the noun may stand well before "at".
        (
            "Halden Capital puts the probability of Brent crude averaging under $60 a "
            "barrel next year at 40 percent.",
            "40 percent",
            0.4,
        ),
        (
            "Ferreira puts the odds of a deal between Brussels and Beijing at one in three.",
            "one in three",
            1 / 3,
        ),
    ],
)
def test_stated_figures(text: str, expression: str, value: float) -> None:
    claim = _one(text)
    assert (claim.kind, claim.table, claim.expression) == (KIND_NUMBER, "number", expression)
    assert claim.low == claim.high == pytest.approx(value, abs=1e-4)


@pytest.mark.parametrize(
    ("text", "expression", "low", "high"),
    [
        (
            "Sato puts the chance of volume production in Korea at no more than 25 percent.",
            "no more than 25 percent",
            0.0,
            0.25,
        ),
        (
            "Most put the chance of one in Korea by 2030 at well under one in ten.",
            "well under one in ten",
            0.0,
            0.1,
        ),
        (
            "The odds of a deal with Seoul are at least one in three.",
            "at least one in three",
            1 / 3,
            1.0,
        ),
        (
            "Analysts give Seoul less than a 10% chance of leaving.",
            "less than a 10% chance",
            0.0,
            0.1,
        ),
    ],
)
def test_a_bound_on_a_figure_is_a_range(
    text: str, expression: str, low: float, high: float
) -> None:
    claim = _one(text)
    assert (claim.kind, claim.expression) == (KIND_NUMBER, expression)
    assert (claim.low, claim.high) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))


@pytest.mark.parametrize(
    "text",
    [
        "Seoul's exports could fall by more than 15% within three years.",
        "The risk of a war in Korea rose by more than 15% and could rise within three years.",
        "The risk of a war in Korea rose by 15% and could rise within three years.",
        "The risk of a war in Korea rose 15% and could rise within three years.",
        "The risk to Korea, as before, is 15% and could rise within three years.",
    ],
)
def test_a_size_or_a_change_is_no_probability(text: str) -> None:
    claim = _one(text)
    assert (claim.kind, claim.expression, claim.table) == (KIND_LIKELIHOOD, "could", "hedge_survey")


@pytest.mark.parametrize(
    ("text", "speaker", "affiliation"),
    [
        (
            "“Seoul will likely walk away by 2030,” explains Dr. Emily Carter, a professor "
            "at Georgetown University.",
            "Emily Carter",
            "professor at Georgetown University",
        ),
        ("“Tokyo could follow within a year,” said Park Jae-sung.", "Park Jae-sung", None),
        ("Park Jae-sung said Seoul is likely to balk by 2027.", "Park Jae-sung", None),
        ("According to the IMF, growth in Korea is likely to slow by 2027.", "IMF", None),
        (
            "A recent report from the RAND Corporation estimates that a war could shrink "
            "output within three years.",
            "RAND Corporation",
            None,
        ),
        ("Some analysts predict that Seoul could leave by 2030.", None, None),
        ("Seoul is likely to leave by 2030.", None, None),
        # A person "of" an organisation; an institution's own "of" stays in its name.
        (
            "“Seoul will likely leave by 2030,” said Priya Raman of Meridian Energy Analytics.",
            "Priya Raman",
            "Meridian Energy Analytics",
        ),
        ("According to the Bank of Korea, Seoul will likely leave by 2030.", "Bank of Korea", None),
        (
            "Analysts surveyed by the Harrow Institute for Asian Security expect Seoul to "
            "leave by 2030.",
            "Harrow Institute for Asian Security",
            None,
        ),
        (
            "A survey of 120 engineers published by the Kessler Review expects Seoul to "
            "leave by 2030.",
            "Kessler Review",
            None,
        ),
        (
            "Halden Capital puts the probability of a Korean recession next year at 40 percent.",
            "Halden Capital",
            None,
        ),
        (
            "Analysts at Crestline Advisory give it a 30 percent chance of passing in Seoul.",
            "Crestline Advisory",
            None,
        ),
        (
            "Hana Sato, who leads a group at the Okura Institute, thinks Seoul may leave by 2030.",
            "Hana Sato",
            "who leads a group at the Okura Institute",
        ),
    ],
)
def test_speakers(text: str, speaker: str | None, affiliation: str | None) -> None:
    claim = _one(text)
    assert (claim.speaker, claim.speaker_affiliation) == (speaker, affiliation)


def test_a_quotation_that_runs_on_keeps_its_speaker() -> None:
    text = (
        "“The deal is dead,” said Park Jae-sung, a fellow at KERI. "
        "“Seoul will likely leave by 2030.” Washington may stay by 2030."
    )
    quoted, own = extract_claims(text, published=PUBLISHED)
    assert quoted.passage == "“Seoul will likely leave by 2030.”"
    assert (quoted.speaker, quoted.speaker_affiliation) == ("Park Jae-sung", "fellow at KERI")
    assert own.speaker is None


def test_a_later_mention_by_surname_or_pronoun_is_the_person_named_in_full() -> None:
    text = (
        "“Seoul will likely leave by 2030,” said Lin Wei-ting, a researcher in Taipei. "
        "She put the chance of a quarantine at one in five over the next three years.\n\n"
        "Tokyo is not expected to follow by 2030, Lin argues.\n\n"
        "Washington will likely stay by 2030, Park says."
    )
    quoted, pronoun, surname, unknown = extract_claims(text, published=PUBLISHED)
    assert quoted.speaker == pronoun.speaker == surname.speaker == "Lin Wei-ting"
    assert surname.speaker_affiliation == "researcher in Taipei"
    # A surname with no one named in full before it stays as written.
    assert unknown.speaker == "Park"


@pytest.mark.parametrize(
    "text",
    [
        "South Korea could not contribute much to the alliance.",  # past ability
        "It is possible to use a political economic lens.",  # "possible to": ability
        "In certain cases, Seoul acted alone.",  # "certain" as a determiner
        "Even if a state faces threats, it is likely to weigh security against other goals.",
        "The summit in May drew crowds.",  # the month
        "The alliance celebrates its anniversary in 2023.",
        "A commitment to dialogue will be paramount.",
        "Can the pillars of the alliance with Washington likely be rebuilt by 2030?",
        "Outlook (Next 6 Months)",  # a heading's horizon alone
    ],
)
def test_not_claims(text: str) -> None:
    assert extract_claims(text, published=PUBLISHED) == []


def test_a_short_line_without_a_full_stop_is_read_for_its_wording() -> None:
    text = (
        "Outlook (Next 6 Months)\n• Seoul likely to leave\n- Tokyo to follow by 2030\n"
        "Seoul could leave by 2030\nThe next heading"
    )
    seoul, tokyo, heading_like = extract_claims(text, published=PUBLISHED)
    assert (seoul.expression, seoul.horizon_text) == ("likely", "Next 6 Months")
    # A bulleted item is a paragraph: its horizon alone makes it a claim.
    assert (tokyo.kind, tokyo.horizon_end) == (KIND_HORIZON, date(2030, 12, 31))
    assert (heading_like.expression, heading_like.horizon_text) == ("could", "by 2030")


def test_a_wrapped_text_file_is_read_in_whole_sentences() -> None:
    text = (
        "# Outlook\n\n"
        "Officials in Seoul said on Monday that the cost-sharing talks with the\n"
        "United States are likely to conclude within six months. The agreement\n"
        "may then go to the National Assembly.\n\n"
        "“Ratification could\ntake a year,” said Park Jae-sung.\n"
    )
    first, second, third = extract_claims(text, published=PUBLISHED)
    assert first.passage == (
        "Officials in Seoul said on Monday that the cost-sharing talks with the\n"
        "United States are likely to conclude within six months."
    )
    assert (first.expression, first.horizon_end) == ("likely", date(2026, 6, 7))
    # The paragraph's horizon carries across the line break.
    assert (second.expression, second.horizon_text) == ("may", "within six months")
    assert (third.expression, third.speaker) == ("could", "Park Jae-sung")
    for proposal in (first, second, third):
        assert text[proposal.start : proposal.end] == proposal.passage


def test_a_long_run_of_capitalised_words_is_read_quickly() -> None:
    text = " ".join(["Alpha Beta Gamma"] * 3000) + " may leave by 2030."
    [claim] = extract_claims(text, published=PUBLISHED)
    assert claim.expression == "may"


def test_may_the_month_beside_may_the_hedge() -> None:
    claim = _one("The summit in May may be moved by 2027.")
    assert claim.passage.index("may") == claim.passage.index("May") + 4
    assert claim.expression == "may"


def test_as_dict_is_json_ready() -> None:
    data = _one("Seoul is likely to leave by 2030.").as_dict()
    assert data["horizon_end"] == "2030-12-31"
    assert data["horizon_start"] == "2025-12-07"
    assert {"passage", "start", "end", "expression", "low", "high", "table", "speaker"} <= set(data)


_FRAGMENTS = st.sampled_from(
    [
        "Seoul is likely to leave by 2030.",
        "“It could happen within a year,” said Park Jae-sung.",
        "Heading (Next 6 Months)",
        "\n\n",
        "\n",
        "\r\n",
        "“Quoted?” she asked.",
        " ",
        "A 60 % chance, one in three.",
        "It’s increasingly probable.",
        "Nothing here",
        "   ",
        "?!",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=12))
def test_every_passage_is_the_text_at_its_offsets(fragments: list[str]) -> None:
    text = "".join(fragments)
    for proposal in extract_claims(text, published=PUBLISHED):
        assert text[proposal.start : proposal.end] == proposal.passage
        assert proposal.passage.strip() == proposal.passage
        assert proposal.low is None or 0 <= proposal.low <= proposal.high <= 1  # type: ignore[operator]
