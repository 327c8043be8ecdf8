"""The resolution email quotes the criteria the question resolved on: rendered from
Markdown and sanitised in the HTML part, as written in the plain-text part."""

from __future__ import annotations

import pytest

from notifications.resolution import resolution_emails_send
from questions.models import Question
from tests.notifications.builders import email_to, html_of, resolve

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site")]

CRITERIA = (
    "Resolves Yes on **either**:\n\n"
    "- a long-range launch;\n"
    "- a nuclear test.\n\n"
    "As [the JCS](https://www.jcs.mil.kr/) reports it. <img src=x onerror=alert(1)>"
)


def test_the_resolution_email_quotes_the_criteria(resolved_setup, resolver):
    question, _alice, _bob = resolved_setup
    Question.objects.filter(pk=question.pk).update(resolution_criteria=CRITERIA)
    question.refresh_from_db()
    resolve(question, resolver)

    assert resolution_emails_send(question_id=question.pk) == 2
    message = email_to("alice")
    # The plain-text part keeps the Markdown source: it reads as written.
    assert f"THE RESOLUTION CRITERIA\n\n{CRITERIA}\n" in message.body
    html = html_of(message)
    assert "<p>Resolves Yes on <strong>either</strong>:</p>" in html
    assert "<ul>\n<li>a long-range launch;</li>\n<li>a nuclear test.</li>\n</ul>" in html
    assert '<a href="https://www.jcs.mil.kr/" rel="nofollow noopener">the JCS</a>' in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
