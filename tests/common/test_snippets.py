"""`from_sentence_start`: a passage quoted from mid-sentence starts its snippet where the
sentence does."""

import pytest

from common.templatetags.foreseer import from_sentence_start

TEXT = (
    "# Heading\n\nOver six months, tensions rose. The U.S. and Japan met, and the meeting\n"
    "was marred by disagreements. “Quoted.” Then talks, which were long, stalled."
)


@pytest.mark.parametrize(
    ("passage", "text", "snippet"),
    [
        # A sentence's start is kept as it is.
        ("Over six months, tensions rose.", TEXT, "Over six months, tensions rose."),
        # Mid-sentence: back to the sentence's start, across a hard line break, past
        # "U.S." (not a sentence's end).
        (
            "was marred by disagreements.",
            TEXT,
            "The U.S. and Japan met, and the meeting was marred by disagreements.",
        ),
        ("which were long, stalled.", TEXT, "Then talks, which were long, stalled."),
        # Not in the text: marked as an excerpt.
        ("not anywhere here", TEXT, "… not anywhere here"),
        ("not anywhere here", "", "… not anywhere here"),
        ("", TEXT, ""),
        # The sentence's start far back: an ellipsis rather than a long lead.
        ("end", " ".join(["word"] * 40) + " end", "… end"),
    ],
)
def test_from_sentence_start(passage, text, snippet):
    assert from_sentence_start(passage, text) == snippet
