"""The question page in each state, for anonymous and logged-in users."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from questions.models import Question
from scoring.services.community import community_update
from tests.factories import (
    ClarificationFactory,
    ForecastFactory,
    QuestionFactory,
    example_b_question,
)
from tests.web.conftest import PASSAGE, count_queries

pytestmark = pytest.mark.django_db


def url(question: Question) -> str:
    return reverse("questions:detail", args=[question.slug])


def test_url_shape(question):
    assert url(question) == "/questions/nk-escalation/"


def test_unknown_slug_is_404(client, db):
    assert client.get("/questions/nope/").status_code == 404


def test_anonymous_sees_the_question_its_provenance_and_a_login_link(client, question):
    ForecastFactory(question=question, probability=0.4)
    ForecastFactory(question=question, probability=0.6)
    response = client.get(url(question))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Will North Korea escalate significantly?</h1>" in page
    assert '<span class="badge badge-open">Open</span>' in page
    for text in (
        "Background about the peninsula.",
        "Resolves yes on a long-range launch.",
        "Short-range tests do not count.",
        "ROK Joint Chiefs of Staff statements.",
    ):
        assert text in page
    assert f'<time datetime="{question.open_time.isoformat()}" title="' in page
    assert question.scheduled_resolve_time.strftime("%Y-%m-%d %H:%M UTC") in page
    # Provenance: the passage as a quotation, the article, the implied range.
    assert f"<blockquote>\n          <p>{PASSAGE}</p>" in page
    assert (
        '<cite>The Fractured Pillar</cite>, <a href="/authors/a-writer/">A. Writer</a>, '
        '<a href="/outlets/example-outlet/">Example Outlet</a>,'
    ) in page
    assert 'href="/articles/fractured-pillar/track-record/"' in page
    assert question.article.publication_date_display in page
    assert 'href="/articles/fractured-pillar/#passage-nk-escalation"' in page
    assert "<strong>20–45%</strong>" in page
    assert "ICD 203 (2015)" in page and "More likely" in page
    # Community: the median of two standing forecasts.
    assert 'data-testid="community-median">50%</p>' in page
    assert "median of 2 forecasters" in page
    assert "Log in to forecast" in page
    assert 'href="/accounts/login/?next=%2Fquestions%2Fnk-escalation%2F"' in page
    assert "Submit forecast" not in page


def test_logged_in_user_sees_the_form_and_their_history_newest_first(user_client, user, question):
    now = timezone.now()
    ForecastFactory(
        question=question,
        user=user,
        probability=0.3,
        rationale="First thoughts.",
        created_at=now - timedelta(hours=3),
    )
    ForecastFactory(
        question=question,
        user=user,
        probability=0.55,
        rationale="After <the> news & more.",
        created_at=now - timedelta(hours=1),
    )
    ForecastFactory(question=question, probability=0.9)  # someone else's
    page = user_client.get(url(question)).content.decode()
    assert f'action="/questions/{question.slug}/forecast/"' in page
    assert '<label for="id_percent">Your probability of yes (%)</label>' in page
    assert 'type="number" name="percent"' in page
    for attribute in ('min="0.1"', 'max="99.9"', 'step="0.1"'):
        assert attribute in page
    assert '<textarea name="rationale"' in page
    assert ">Submit forecast</button>" in page
    assert "Log in to forecast" not in page
    # The history list alone: the histogram further down labels its bins "80–90%".
    start = page.index("Your history")
    history = page[start : page.index("</ol>", start)]
    assert history.index("55%") < history.index("30%")
    assert "After &lt;the&gt; news &amp; more." in history
    assert "First thoughts." in history
    assert "90%" not in history


def test_upcoming_question_has_no_form(user_client):
    question = QuestionFactory(open_time=timezone.now() + timedelta(days=1))
    page = user_client.get(url(question)).content.decode()
    assert "Forecasting opens at" in page
    assert "Submit forecast" not in page
    assert '<span class="badge badge-upcoming">Upcoming</span>' in page


def test_closed_question_awaits_resolution_with_the_median_at_close(user_client, client):
    now = timezone.now()
    question = QuestionFactory(
        open_time=now - timedelta(days=10),
        scheduled_close_time=now - timedelta(days=1),
        scheduled_resolve_time=now + timedelta(days=1),
        community_at_close=0.375,
        forecasters_at_close=4,
    )
    for page in (user_client.get(url(question)), client.get(url(question))):
        content = page.content.decode()
        assert "Closed, awaiting resolution" in content
        assert 'Community median at close: <strong class="probability">37.5%</strong>' in content
        assert "from 4 forecasters" in content
        assert "Submit forecast" not in content
    assert (
        "This question is closed to forecasts." in user_client.get(url(question)).content.decode()
    )


def test_resolved_question_shows_outcome_evidence_and_scores(client, resolve):
    question, people = example_b_question()
    resolve(
        question,
        "yes",
        known_at=datetime(2016, 11, 8, tzinfo=UTC),
        note="Confirmed by <b>the</b> ministry.",
        evidence_links=["https://example.org/report"],
    )
    client.force_login(people["kramer"])
    response = client.get(url(question))
    page = response.content.decode()
    assert '<span class="badge badge-resolved">Resolved</span>' in page
    assert "Outcome: Yes" in page
    assert 'Known at <time datetime="2016-11-08T00:00:00+00:00" title="' in page
    assert "Confirmed by &lt;b&gt;the&lt;/b&gt; ministry." in page
    assert '<a href="https://example.org/report"' in page
    assert "Resolution history" not in page  # one event: no corrections to show
    assert "Daily Brier (0 best, 2 worst)" in page
    assert "Accuracy (negative beats the crowd)" in page
    scores = page[page.index('<table class="scores stack" data-testid="scores-table">') :]
    # Kramer beat the crowd, so comes first; his row is highlighted.
    assert scores.index("kramer") < scores.index("george")
    assert (
        '<tr class="is-me">\n          <th scope="row"><a href="/forecasters/kramer/">kramer</a> '
        '<span class="you">(you)</span>' in scores
    )
    # Each forecaster links to their profile; the community forecast links nowhere.
    assert '<th scope="row"><a href="/forecasters/george/">george</a></th>' in scores
    assert '<th scope="row">Community forecast <span class="hint">' in scores
    assert "Log (0 best)" in scores
    for value in ("0.250", "-0.278", "85.7%", "0.794", "+0.220", "100%"):
        assert value in scores
    assert "Submit forecast" not in page


def test_corrections_show_the_audit_trail(client, past_question, resolve):
    question = past_question()
    ForecastFactory(
        question=question, probability=0.8, created_at=question.open_time + timedelta(hours=1)
    )
    known = question.open_time + timedelta(days=5)
    resolve(question, "yes", known_at=known, note="First reading.")
    resolve(question, "no", known_at=known, note="Corrected: the launch failed.")
    page = client.get(url(question)).content.decode()
    assert "Outcome: No" in page
    assert "Resolution history: 2 events (corrected)" in page
    trail = page[page.index("Resolution history") :]
    assert trail.index("First reading.") < trail.index("Corrected: the launch failed.")
    assert "in force" in trail
    # Scored against the corrected outcome: 0.8 on a no is 2 * 0.8^2 = 1.28 each day.
    assert "1.280" in page


@pytest.mark.parametrize("outcome", ["annulled", "ambiguous"])
def test_annulled_questions_say_they_are_not_scored(client, past_question, resolve, outcome):
    question = past_question()
    resolve(question, outcome)
    page = client.get(url(question)).content.decode()
    assert f"Questions resolved {outcome} are not scored." in page


def _grow(question: Question, count: int, me) -> None:
    """`count` more forecasters, forecasts of mine, clarifications and history points."""
    for number in range(count):
        # Each forecast moves the median, so each adds a point to the history.
        ForecastFactory(
            question=question,
            probability=0.2 + 0.03 * number,
            created_at=question.open_time + timedelta(hours=2 + 2 * number),
        )
        ForecastFactory(
            question=question,
            user=me,
            probability=0.9 - 0.01 * number,
            created_at=question.open_time + timedelta(hours=3 + 2 * number),
        )
        ClarificationFactory(question=question, text=f"Clarification {number}.")
    community_update(question_id=question.pk, full=True)


@pytest.mark.parametrize("resolved", [False, True])
@pytest.mark.parametrize("hidden", [False, True])
def test_query_count_does_not_grow_with_forecasts_clarifications_and_history(
    user_client, user, question, past_question, resolve, resolved, hidden
):
    def build(slug: str, count: int) -> Question:
        if resolved:
            target = past_question(
                slug=slug, article=question.article, hide_community_until_forecast=hidden
            )
        else:
            target = QuestionFactory(slug=slug, hide_community_until_forecast=hidden)
        _grow(target, count, user)
        if resolved:
            resolve(target, "yes")
        return target

    small_question = build("small", 2)
    user_client.get(url(small_question))  # warm up
    small, response = count_queries(user_client, url(small_question))
    assert len(response.context["history"]) >= 2

    big_question = build("big", 15)
    large, response = count_queries(user_client, url(big_question))
    assert len(response.context["my_forecasts"]) == 15
    assert len(response.context["clarifications"]) == 15
    assert len(response.context["history"]) >= 15
    if resolved:
        # 16 forecasters and the community forecast.
        assert len(response.context["scores"]) == 17
        assert response.context["score_card"]
    assert small == large
    # The article's authors are one more; the claims it tracks another; the spread of
    # standing forecasts one more (one aggregate query); the discussion's threads one more;
    # the follow button's one more (the user's choice about following the question).
    assert large <= 17


@pytest.mark.parametrize("hidden", [False, True])
def test_query_count_for_anonymous_visitors_does_not_grow(client, user, hidden):
    small_question = QuestionFactory(hide_community_until_forecast=hidden)
    _grow(small_question, 2, user)
    client.get(url(small_question))
    small, _ = count_queries(client, url(small_question))
    big_question = QuestionFactory(hide_community_until_forecast=hidden)
    _grow(big_question, 20, user)
    large, response = count_queries(client, url(big_question))
    assert len(response.context["history"]) == (0 if hidden else 40)
    assert len(response.context["clarifications"]) == 20
    assert small == large


# --- Clarifications -----------------------------------------------------------------------


def test_clarifications_follow_the_criteria_oldest_first_with_their_utc_time(client, question):
    first = ClarificationFactory(
        question=question,
        text="Submarine launches count.",
        created_at=datetime(2026, 2, 1, 9, 30, tzinfo=UTC),
    )
    ClarificationFactory(
        question=question,
        text="A <b>test</b> & a launch are different.",
        created_at=datetime(2026, 3, 5, 18, 0, tzinfo=UTC),
    )
    ClarificationFactory(text="Another question's clarification.")
    page = client.get(url(question)).content.decode()

    criteria = page.index('<h2 id="criteria-heading">Resolution criteria</h2>')
    section = page[criteria : page.index('<h2 id="fine-print-heading">')]
    assert section.index("Resolves yes on a long-range launch.") < section.index(
        'Clarifications <span class="hint">added after publication</span>'
    )
    assert "These notes were added later." in section
    assert section.count('<span class="badge badge-clarification">Added later</span>') == 2
    assert section.index("Submarine launches count.") < section.index("A &lt;b&gt;test")
    assert "A &lt;b&gt;test&lt;/b&gt; &amp; a launch are different." in section
    # A viewer with no time zone reads UTC; the instant is the element's value and title.
    assert (
        '<time datetime="2026-02-01T09:30:00+00:00" title="2026-02-01 09:30 UTC">'
        "2026-02-01 09:30 UTC</time>"
    ) in section
    assert (
        '<time datetime="2026-03-05T18:00:00+00:00" title="2026-03-05 18:00 UTC">'
        "2026-03-05 18:00 UTC</time>"
    ) in section
    assert f'id="clarification-{first.pk}"' in section
    assert "Another question's clarification." not in page
    # The header says the criteria were clarified, and links to the notes.
    start = page.index('<header class="page-head">')
    header = page[start : page.index("</header>", start)]
    assert '<a href="#clarifications">2 clarifications</a>' in header
    assert "2026-03-05 18:00 UTC" in header


def test_no_clarifications_no_section(client, question):
    page = client.get(url(question)).content.decode()
    assert 'id="clarifications"' not in page
    assert "Clarified" not in page


# --- Drafts and staff ----------------------------------------------------------------------


def template_names(response) -> set[str]:
    return {template.name for template in response.templates}


def test_drafts_are_404_to_forecasters_and_previewed_by_staff(
    client, user_client, staff_web_client, db
):
    draft = QuestionFactory(slug="draft-one", title="A draft question", published_at=None)
    assert client.get(url(draft)).status_code == 404
    assert user_client.get(url(draft)).status_code == 404
    response = staff_web_client.get(url(draft))
    assert response.status_code == 200
    page = response.content.decode()
    assert "pages/manage/_draft_banner.html" in template_names(response)
    # The banner comes before the title.
    assert page.index('class="panel draft-banner"') < page.index("<h1>A draft question</h1>")


def test_staff_tools_are_included_for_staff_only(client, user_client, staff_web_client, question):
    tools = "pages/manage/_question_staff_tools.html"
    assert tools in template_names(staff_web_client.get(url(question)))
    assert tools not in template_names(user_client.get(url(question)))
    assert tools not in template_names(client.get(url(question)))
    # Everyone gets the draft banner's template; it says nothing on a published question.
    page = client.get(url(question)).content.decode()
    assert "draft-banner" not in page


def test_non_binary_question_has_no_form(user_client):
    question = QuestionFactory(type=Question.Type.MULTIPLE_CHOICE)
    page = user_client.get(url(question)).content.decode()
    assert "Only binary questions take forecasts for now." in page
    assert "Submit forecast" not in page
