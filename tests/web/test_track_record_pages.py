"""The track-record pages: what each shows, the minimum-claims line, bad queries answered
with a 400 naming the field, links between them, and a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, ClaimLink
from tests.factories import ArticleFactory, PersonFactory
from tests.track_records import (
    BRIER,
    build_track_world,
    claim,
    community,
    forecaster_of,
    resolved_question,
    score,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.FORESEER_TRACK_RECORD_MIN_CLAIMS = 5
    settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES = 50
    return build_track_world()


def page(client, name, *args, **query):
    response = client.get(reverse(name, args=args), query)
    return response, response.content.decode()


def test_the_outlet_page_shows_the_record_the_verdict_and_its_words(client, world):
    response, html = page(client, "track_records:outlet", world.outlet.slug)
    assert response.status_code == 200
    assert "Daily Planet" in html
    assert "<strong>5 came true</strong>: 83%" in html
    assert "Better than the crowd" in html
    assert "sample is too small" not in html
    # Its term calibration, and the claims with their questions and speakers.
    assert "“likely”" in html and "5 of 6" in html and "ICD 203 (2015) says 55–80%" in html
    assert reverse("questions:detail", args=[world.resolved[0].slug]) in html
    assert reverse("track_records:speaker", args=[world.speaker.slug]) in html
    assert "not scored" in html  # the proxy link
    assert reverse("api:track-record-outlet", args=[world.outlet.slug]) + "?format=csv" in html


def test_below_the_line_there_is_no_verdict(client, world):
    response, html = page(client, "track_records:article", world.first.slug)
    assert response.status_code == 200
    assert "The sample is too small for a verdict: 3 scored claims" in html
    assert "Sample too small (fewer than 5)" in html
    assert "better than the crowd" not in html.lower()
    assert reverse("track_records:author", args=[world.author.slug]) in html
    assert reverse("track_records:outlet", args=[world.outlet.slug]) in html


def test_person_pages_link_their_two_roles(client, world):
    claim(world.first, world.author, start=1400)  # the author is quoted too
    _, html = page(client, "track_records:author", world.author.slug)
    assert "Every tracked claim in the articles Lois Lane wrote" in html
    assert reverse("track_records:speaker", args=[world.author.slug]) in html
    _, html = page(client, "track_records:speaker", world.speaker.slug)
    assert "Every tracked claim attributed to Emily Carter" in html
    # Each claim row names its article; the speaker whose page this is goes unsaid.
    claims = html[html.index('class="track-claims') :]
    assert f'href="/speakers/{world.speaker.slug}/"' not in claims
    assert f'href="/articles/{world.first.slug}/track-record/"' in claims
    assert reverse("track_records:author", args=[world.speaker.slug]) not in html


def test_a_passage_quoted_in_the_article_is_not_quoted_twice(client, world):
    text = "“A deal is very likely,” says Emily Carter. Talks are likely to resume."
    article = ArticleFactory(slug="quoted", title="Quoted", outlet=None, text=text)
    for start, end in ((0, 43), (44, len(text))):
        made = Claim.objects.create(article=article, passage=text[start:end], start=start, end=end)
        ClaimLink.objects.create(claim=made, question=world.open, kind="direct")
    response, html = page(client, "track_records:article", article.slug)
    assert response.status_code == 200
    assert "““" not in html and "<q>“" not in html
    assert '<span class="passage-quoted">“A deal is very likely,” says Emily Carter.</span>' in html
    assert "<q>Talks are likely to resume.</q>" in html
    # No byline and no outlet: the date comes first, with no separator before it.
    assert re.search(r'<p class="meta">\s*' + re.escape(article.publication_date_display), html)
    # Nothing scored yet: a dash in each column, not an interval of dashes; the open
    # question's claims say they are not scored yet.
    assert "[— to —]" not in html
    assert html.count('<span class="hint">not yet scored</span>') == 2 * 2  # claims × rules
    assert "— / —" not in html


def test_unknown_subjects_are_404(client, world):
    for name in ("article", "author", "speaker", "outlet"):
        assert client.get(reverse(f"track_records:{name}", args=["nobody"])).status_code == 404


def test_a_person_with_no_claims_has_an_empty_record(client, world):
    _, html = page(client, "track_records:speaker", PersonFactory(name="Nobody Quoted").slug)
    assert "No tracked claims yet." in html


def test_the_leaderboard_shows_sources_the_crowd_and_the_forecasters(client, world):
    response, html = page(client, "track_records:board", kind="outlets", rule=BRIER.key)
    assert response.status_code == 200
    assert reverse("track_records:outlet", args=[world.outlet.slug]) in html
    assert "The crowd" in html and "No forecaster has scores on 5" in html
    _, html = page(client, "track_records:board")
    assert reverse("track_records:speaker", args=[world.speaker.slug]) in html


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("track_records:board", {"kind": "pundits"}, "kind"),
        ("track_records:board", {"rule": "bogus"}, "rule"),
        ("track_records:terms", {"outlet": "nowhere"}, "outlet"),
    ],
)
def test_bad_queries_are_400_naming_the_field(client, world, name, query, field):
    response = client.get(reverse(name), query)
    assert response.status_code == 400
    assert f'id="id_{field}"' in response.content.decode()
    assert response.context["form"].errors.keys() == {field}


@pytest.mark.parametrize(
    ("name", "args", "page"),
    [
        ("track_records:board", [], "0"),
        ("track_records:terms", [], "x"),
        ("track_records:outlet", ["daily-planet"], "-1"),
        ("track_records:speaker", ["emily-carter"], "1.5"),
    ],
)
def test_a_bad_page_is_400_said_beside_the_pages(client, world, name, args, page):
    response = client.get(reverse(name, args=args), {"page": page})
    assert response.status_code == 400
    assert response.context["page_form"].errors.keys() == {"page"}
    assert '<ul class="errorlist" role="alert"><li>Page: ' in response.content.decode()
    assert response.context["page"] == 1


def test_term_calibration_filters_by_outlet(client, world):
    response, html = page(client, "track_records:terms", outlet=world.outlet.slug)
    assert response.status_code == 200
    assert "Term calibration: Daily Planet" in html and "5 of 6" in html


def test_the_article_page_and_the_question_page_link_to_the_records(client, world):
    dismissed_only = PersonFactory(name="Dismissed Speaker")
    dismissed = claim(world.first, dismissed_only, start=1300)
    dismissed.status = Claim.Status.DISMISSED
    dismissed.save()
    _, html = page(client, "questions:article", world.first.slug)
    assert reverse("track_records:article", args=[world.first.slug]) in html
    # Its quoted speakers (of accepted claims, each once) link to their records.
    quoted = html[html.index('data-testid="article-speakers"') :].split("</p>")[0]
    assert quoted.count(f'href="/speakers/{world.speaker.slug}/"') == 1
    assert f'href="/speakers/{world.author.slug}/"' in quoted
    assert "Dismissed Speaker" not in quoted
    assert reverse("track_records:author", args=[world.author.slug]) in html
    assert reverse("track_records:outlet", args=[world.outlet.slug]) in html
    question = world.resolved[0]
    question.article = world.first
    question.save()
    _, html = page(client, "questions:detail", question.slug)
    assert reverse("track_records:author", args=[world.author.slug]) in html
    assert reverse("track_records:outlet", args=[world.outlet.slug]) in html
    assert reverse("track_records:article", args=[world.first.slug]) in html
    # The claim it tracks names its speaker, with a link to their record, what its
    # article forecast and, resolved, both scores.
    claims = " ".join(html[html.index('id="claims"') :].split())
    assert (
        f'said by <a href="/speakers/{world.speaker.slug}/">Emily Carter</a> '
        '<span class="hint">(direct link;'
    ) in claims
    assert (
        'The article implied <strong class="probability">55–80%</strong> for this question’s Yes'
    ) in claims
    assert 'constant forecast of <strong class="probability">67.5%</strong>, the midpoint' in claims
    # Resolved: the claim's and the crowd's scores, one row each.
    # Each cell carries its column's name, shown in front of it on a phone.
    yes, brier = (
        'class="num" data-label="Probability of Yes"',
        'data-label="Daily Brier (0 best, 2 worst)"',
    )
    assert (
        f'<th scope="row">The claim (midpoint)</th> <td {yes}>67.5%</td> '
        f'<td class="num" {brier}>0.200</td>' in claims
    )
    assert (
        f'<th scope="row">Community forecast</th> <td {yes}>—</td> '
        f'<td class="num" {brier}>0.300</td>' in claims
    )


def test_a_claim_for_no_is_scored_toward_no(client, world):
    question = world.open
    question.article = world.first
    question.save()
    _, html = page(client, "questions:detail", question.slug)
    claims = " ".join(html[html.index('id="claims"') :].split())
    assert (
        'The article implied <strong class="probability">20–40%</strong> for what it says, '
        'which speaks for this question’s No: <strong class="probability">60–80%</strong> '
        "for Yes"
    ) in claims
    assert 'constant forecast of <strong class="probability">70%</strong>, the midpoint' in claims
    assert 'data-testid="claim-scores"' not in claims


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("name", "subject"),
    [("article", "second"), ("author", "author"), ("speaker", "speaker"), ("outlet", "outlet")],
)
def test_record_pages_cost_a_fixed_number_of_queries(client, world, name, subject):
    url = reverse(f"track_records:{name}", args=[getattr(world, subject).slug])
    before = queries_of(client, url)
    assert before <= 15
    # Twice the claims, each on a question of its own, some scored: the same queries.
    for number in range(8):
        question = resolved_question(f"more-{number}", "yes")
        made = claim(world.second, world.speaker, start=1500 + number)
        ClaimLink.objects.create(claim=made, question=question, kind="direct")
        score(forecaster_of(world.second), question, brier=0.1, accuracy=-0.1)
        score(community(), question, brier=0.3, accuracy=0.0)
    assert queries_of(client, url) == before


def test_board_and_terms_cost_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        client.get(reverse("track_records:board"))
    with django_assert_max_num_queries(10):
        client.get(reverse("track_records:terms"))
