"""The email to each forecaster of a resolved question, with their scores. Sent through
Django's in-memory backend (mail.outbox)."""

from __future__ import annotations

import re
import smtplib
from datetime import UTC, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.templatetags.foreseer import score, signed
from notifications import outbox
from notifications.models import SentEmail
from notifications.resolution import (
    RESOLUTION_NEWS_MAX_AGE,
    resolution_emails_send,
    resolution_emails_sweep,
)
from notifications.unsubscribe import unsubscribe_target
from pipeline.tasks import score_question, send_resolution_emails
from scoring import registry
from scoring.models import Score
from scoring.services import question_score
from tests.factories import StaffFactory, UserFactory
from tests.notifications.builders import (
    SITE,
    email_to,
    forecast,
    html_of,
    past_question,
    resolve,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site")]


# --- Resolution emails ------------------------------------------------------------------


def test_resolution_email_has_the_outcome_evidence_scores_and_links(resolved_setup, resolver):
    question, alice, _bob = resolved_setup
    event = resolve(
        question,
        resolver,
        note="Launch confirmed by the Joint Chiefs.",
        evidence_links=["https://example.com/launch-report"],
    )

    assert resolution_emails_send(question_id=question.pk) == 2
    message = email_to("alice")
    assert message.subject == "Resolved Yes: Will Pyongyang test an ICBM & more?"
    body = message.body
    # Plain text, not HTML-escaped.
    assert "Will Pyongyang test an ICBM & more?" in body and "&amp;" not in body
    assert "A question you forecast has resolved Yes." in body
    assert f"Known at: {event.known_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC" in body
    assert "Launch confirmed by the Joint Chiefs." in body
    assert "- https://example.com/launch-report" in body
    assert "Your last forecast before the close: 80% yes." in body
    assert "The community forecast at the close: 55% yes, from 2 forecasters." in body

    mine = Score.objects.get(question=question, user=alice)
    community = Score.objects.get(question=question, user__username="community")
    assert (
        f"Daily Brier: {score(mine.daily_brier)} (community forecast: "
        f"{score(community.daily_brier)}), better than the community forecast." in body
    )
    # The question page's score card, line by line (numbers with a real minus sign).
    for rule in (registry.ACCURACY, registry.PEER, registry.BASELINE, registry.LOG):
        value = rule.format(mine.value(rule)).replace("-", "−")
        assert f"{rule.short_label}: {value}" in body
    assert f"Accuracy: {signed(mine.accuracy).replace('-', '−')}" in body
    assert f"Peer: {signed(mine.peer, 1).replace('-', '−')}" in body
    assert "Saying 50% every day scores 0.500" in body  # the card's reading of the rule
    assert "Participation: " in body and "Coverage: " in body
    assert "In short: by Daily Brier you did better than the community forecast" in body
    assert "your peer score is positive" in body

    assert f"{SITE}/questions/nk-launch/" in body
    assert f"{SITE}/accounts/settings/" in body
    unsubscribe = re.search(rf"{SITE}/accounts/unsubscribe/[^/\s]+/", body).group(0)
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe.rstrip("/").rsplit("/", 1)[1]
    target = unsubscribe_target(token=token)
    assert (target.user, target.kind) == (alice, "resolution")

    html = html_of(message)
    assert f'href="{SITE}/questions/nk-launch/"' in html
    assert "Will Pyongyang test an ICBM &amp; more?" in html
    assert f">{score(mine.daily_brier)}</td>" in html
    assert f'href="{unsubscribe}"' in html


def test_each_forecaster_gets_their_own_scores(resolved_setup, resolver):
    question, _alice, bob = resolved_setup
    resolve(question, resolver)
    resolution_emails_send(question_id=question.pk)
    body = email_to("bob").body
    mine = Score.objects.get(question=question, user=bob)
    assert "Your last forecast before the close: 30% yes." in body
    assert f"Daily Brier: {score(mine.daily_brier)} " in body
    assert "worse than the community forecast" in body
    assert "your peer score is negative" in body


def test_sending_twice_sends_once(resolved_setup, resolver):
    question, *_ = resolved_setup
    event = resolve(question, resolver)
    assert resolution_emails_send(question_id=question.pk) == 2
    assert resolution_emails_send(question_id=question.pk) == 0
    assert send_resolution_emails(question.pk) == 0
    assert len(mail.outbox) == 2
    assert set(SentEmail.objects.values_list("user__username", "kind", "key")) == {
        ("alice", "resolution", f"event:{event.pk}"),
        ("bob", "resolution", f"event:{event.pk}"),
    }


def test_a_claim_taken_by_another_run_is_not_sent_again(resolved_setup, resolver):
    question, alice, _bob = resolved_setup
    event = resolve(question, resolver)
    real_claim = outbox._claim

    def another_run_claims_first(*, kind, wanted):
        # Another worker inserts alice's row between this run's read and its insert.
        SentEmail.objects.create(user=alice, kind="resolution", key=f"event:{event.pk}")
        return real_claim(kind=kind, wanted=wanted)

    with mock.patch.object(outbox, "_claim", side_effect=another_run_claims_first):
        assert resolution_emails_send(question_id=question.pk) == 1
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_preferences_and_eligibility_are_respected(resolver):
    question = past_question()
    keen = UserFactory(username="keen")
    muted = UserFactory(username="muted", email_on_resolution=False)
    gone = UserFactory(username="gone", is_active=False)
    silent = UserFactory(username="silent", email="")
    late = UserFactory(username="late")
    for user in (keen, muted, gone, silent):
        forecast(user, question, 0.6, days_ago=8)
    known_at = timezone.now() - timedelta(days=2)
    forecast(late, question, 0.9, days_ago=1)  # after the outcome was known: not scored
    UserFactory(username="bystander")  # never forecast
    resolve(question, resolver, known_at=known_at)

    assert resolution_emails_send(question_id=question.pk) == 1
    assert [m.to for m in mail.outbox] == [["keen@example.org"]]


def test_a_correction_is_a_new_email(resolved_setup, resolver):
    question, *_ = resolved_setup
    first = resolve(question, resolver, outcome="yes")
    assert resolution_emails_send(question_id=question.pk) == 2
    second = resolve(question, resolver, outcome="no", note="The launch was a satellite.")
    assert resolution_emails_send(question_id=question.pk) == 2
    assert resolution_emails_send(question_id=question.pk) == 0

    corrected = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert [m.subject for m in corrected] == [
        "Resolved Yes: Will Pyongyang test an ICBM & more?",
        "Resolution corrected to No: Will Pyongyang test an ICBM & more?",
    ]
    assert "it now resolves No (it was Yes)" in corrected[1].body
    assert "The launch was a satellite." in corrected[1].body
    # Alice said 80% yes: after the correction she did worse than the community.
    assert "worse than the community forecast" in corrected[1].body
    assert SentEmail.objects.filter(key=f"event:{first.pk}").count() == 2
    assert SentEmail.objects.filter(key=f"event:{second.pk}").count() == 2


def test_a_correction_that_keeps_the_outcome_says_what_changed(resolved_setup, resolver):
    question, alice, _bob = resolved_setup
    # Two days before the first close, so it stands at the end of a whole scored day
    # whatever the hour (a forecast of yesterday misses every scored day before 02:00 UTC).
    forecast(alice, question, 0.95, days_ago=2)
    first_known = timezone.now() - timedelta(hours=2)
    resolve(question, resolver, outcome="yes", known_at=first_known)
    assert resolution_emails_send(question_id=question.pk) == 2
    assert "Your last forecast before the close: 95% yes." in email_to("alice").body
    before = Score.objects.get(question=question, user=alice).daily_brier
    # Still Yes, but known three days earlier: the close moves, so the scores change.
    new_known = timezone.now() - timedelta(days=3)
    second = resolve(question, resolver, outcome="yes", known_at=new_known)
    assert resolution_emails_send(question_id=question.pk) == 2

    message = [m for m in mail.outbox if m.to == ["alice@example.org"]][-1]
    assert message.subject == "Resolution details updated: Will Pyongyang test an ICBM & more?"
    body = message.body
    assert "corrected" not in body and "(it was Yes)" not in body
    assert "it still resolves Yes." in body
    old, new = (
        f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" for moment in (first_known, new_known)
    )
    assert f"What changed: the time the outcome became known, from {old} to {new}." in body
    assert f"Forecasts now count up to {new} instead of {old}, so your scores below" in body
    # Her 95% of two days ago came after the new close: it no longer counts.
    assert "Your last forecast before the close: 80% yes." in body
    after = Score.objects.get(question=question, user=alice)
    assert after.daily_brier != before
    assert f"Daily Brier: {score(after.daily_brier)} " in body
    html = html_of(message)
    assert "it still resolves <strong>Yes</strong>" in html and f"from {old} to {new}" in html
    assert SentEmail.objects.filter(key=f"event:{second.pk}").count() == 2


def test_a_correction_of_the_note_and_evidence_only(resolved_setup, resolver):
    question, *_ = resolved_setup
    known_at = timezone.now() - timedelta(hours=2)
    resolve(question, resolver, outcome="no", known_at=known_at, note="No launch seen.")
    resolution_emails_send(question_id=question.pk)
    resolve(
        question,
        resolver,
        outcome="no",
        known_at=known_at,
        note="No launch seen by the deadline (38 North).",
        evidence_links=["https://example.com/38north"],
    )
    assert resolution_emails_send(question_id=question.pk) == 2
    message = [m for m in mail.outbox if m.to == ["bob@example.org"]][-1]
    assert message.subject == "Resolution details updated: Will Pyongyang test an ICBM & more?"
    body = message.body
    assert "it still resolves No. What changed: the resolver's note; the evidence links.\n" in body
    assert "the time the outcome became known" not in body and "recomputed" not in body
    assert "No launch seen by the deadline (38 North)." in body
    assert "- https://example.com/38north" in body


def test_a_correction_before_the_emails_went_out_sends_only_the_latest(resolved_setup, resolver):
    question, *_ = resolved_setup
    resolve(question, resolver, outcome="yes", score_it=False)
    latest = resolve(question, resolver, outcome="no")
    assert resolution_emails_send(question_id=question.pk) == 2
    assert {m.subject for m in mail.outbox} == {
        "Resolution corrected to No: Will Pyongyang test an ICBM & more?"
    }
    assert set(SentEmail.objects.values_list("key", flat=True)) == {f"event:{latest.pk}"}


def test_nothing_is_sent_until_the_latest_event_is_scored(resolved_setup, resolver):
    question, *_ = resolved_setup
    resolve(question, resolver, outcome="yes", score_it=False)
    assert resolution_emails_send(question_id=question.pk) == 0
    question_score(question_id=question.pk)
    # A correction lands; its scores are not written yet.
    resolve(question, resolver, outcome="no", score_it=False)
    assert resolution_emails_send(question_id=question.pk) == 0
    assert mail.outbox == []
    question_score(question_id=question.pk)
    assert resolution_emails_send(question_id=question.pk) == 2


@pytest.mark.parametrize("outcome", ["ambiguous", "annulled"])
def test_ambiguous_and_annulled_say_not_scored(resolved_setup, resolver, outcome):
    question, *_ = resolved_setup
    resolve(question, resolver, outcome=outcome)
    assert resolution_emails_send(question_id=question.pk) == 2
    message = email_to("alice")
    label = outcome.capitalize()
    assert message.subject == f"Resolved {label}: Will Pyongyang test an ICBM & more?"
    assert f"Resolved {outcome}, this question is not scored" in message.body
    assert "Daily Brier" not in message.body and "Peer score" not in message.body
    assert "not scored" in html_of(message)


def test_an_old_resolution_is_no_news(resolved_setup, resolver):
    question, *_ = resolved_setup
    resolve(question, resolver)
    later = timezone.now() + RESOLUTION_NEWS_MAX_AGE + timedelta(minutes=1)
    assert resolution_emails_send(question_id=question.pk, now=later) == 0
    assert resolution_emails_send(question_id=question.pk) == 2


def test_unknown_or_unresolved_questions_send_nothing(resolved_setup):
    question, *_ = resolved_setup
    assert resolution_emails_send(question_id=question.pk) == 0
    assert resolution_emails_send(question_id=question.pk + 1000) == 0
    assert mail.outbox == []


def test_a_failed_send_releases_the_claim_for_the_retry(resolved_setup, resolver):
    question, *_ = resolved_setup
    resolve(question, resolver)
    with (
        mock.patch(
            "django.core.mail.EmailMultiAlternatives.send",
            side_effect=smtplib.SMTPServerDisconnected("gone"),
        ),
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        resolution_emails_send(question_id=question.pk)
    assert not SentEmail.objects.exists()
    assert resolution_emails_send(question_id=question.pk) == 2


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPRecipientsRefused({"alice@example.org": (550, b"5.1.1 No such user")}),
        smtplib.SMTPDataError(554, b"5.7.1 Message rejected as spam"),
        smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "foreseer@localhost"),
    ],
    ids=["recipient", "data", "sender"],
)
def test_a_refused_message_does_not_stop_the_others(
    resolved_setup, resolver, refusing, error, caplog
):
    question, *_ = resolved_setup
    carol = UserFactory(username="carol")
    forecast(carol, question, 0.5, days_ago=9)
    resolve(question, resolver)
    refusing.refuse = {"alice@example.org": error}

    with pytest.raises(type(error)):
        resolution_emails_send(question_id=question.pk)
    assert sorted(m.to[0] for m in mail.outbox) == ["bob@example.org", "carol@example.org"]
    assert sorted(SentEmail.objects.values_list("user__username", flat=True)) == ["bob", "carol"]
    assert "resolution email to alice@example.org refused" in caplog.text
    # The task's retry sends alice's only, once the server takes it.
    refusing.refuse = {}
    assert resolution_emails_send(question_id=question.pk) == 1
    assert mail.outbox[-1].to == ["alice@example.org"]


def test_a_server_that_goes_away_mid_run_leaves_the_rest_for_the_retry(
    resolved_setup, resolver, refusing
):
    question, *_ = resolved_setup
    for name in ("carol", "dan"):
        forecast(UserFactory(username=name), question, 0.5, days_ago=9)
    resolve(question, resolver)
    refusing.up_for = 1

    with pytest.raises(smtplib.SMTPServerDisconnected):
        resolution_emails_send(question_id=question.pk)
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert list(SentEmail.objects.values_list("user__username", flat=True)) == ["alice"]

    refusing.up_for = None
    assert resolution_emails_send(question_id=question.pk) == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
        "dan@example.org",
    ]


def test_resolution_queries_do_not_grow_with_forecasters(resolver):
    def run(forecasters: int, forecasts_each: int) -> int:
        question = past_question()
        for n in range(forecasters):
            user = UserFactory()
            for k in range(forecasts_each):
                forecast(user, question, 0.2 + 0.05 * n, days_ago=9 - k)
        resolve(question, resolver)
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            sent = resolution_emails_send(question_id=question.pk)
        assert sent == forecasters
        return len(queries.captured_queries)

    small = run(forecasters=2, forecasts_each=1)
    large = run(forecasters=9, forecasts_each=4)
    assert small == large


def test_scoring_queues_the_emails_after_commit(
    resolved_setup, resolver, queued, django_capture_on_commit_callbacks
):
    question, *_ = resolved_setup
    resolve(question, resolver, score_it=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        score_question(question.pk)
    queued.resolution_emails.assert_not_called()
    for callback in callbacks:
        callback()
    queued.resolution_emails.assert_called_once_with(question.pk)


def test_the_task_sends(resolved_setup, resolver):
    question, *_ = resolved_setup
    resolve(question, resolver)
    assert send_resolution_emails(question.pk) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_email_once(require_postgres):
    """Real concurrency: the unique constraint, not luck, keeps the second run out."""
    import threading

    from django.db import connections

    resolver = StaffFactory(username="resolver")
    question = past_question()
    for _ in range(12):
        forecast(UserFactory(), question, 0.6, days_ago=9)
    # Committed for real here: keep the scoring message the resolution queues off the broker.
    with mock.patch.object(score_question, "delay"):
        resolve(question, resolver)
    start = threading.Barrier(4)
    results: list[int] = []

    def worker() -> None:
        try:
            start.wait()
            results.append(resolution_emails_send(question_id=question.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 12
    assert len(mail.outbox) == 12
    assert len({tuple(m.to) for m in mail.outbox}) == 12
    assert SentEmail.objects.count() == 12


def test_the_sweep_sends_what_a_lost_task_did_not(resolver, queued):
    """Scoring queued the emails, but the message never reached a worker: the beat
    sweep sends them, once, and leaves old resolutions alone."""
    from pipeline.tasks import resolution_emails_sweep as resolution_emails_sweep_task

    question = past_question(slug="lost")
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    forecast(ann, question, 0.8, days_ago=5)
    forecast(bob, question, 0.3, days_ago=4)
    resolve(question, resolver, outcome="yes")
    assert mail.outbox == []  # the task's message was lost (mocked here)

    assert resolution_emails_sweep_task() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.org", "bob@example.org"]
    assert resolution_emails_sweep() == 0  # nothing twice
    assert len(mail.outbox) == 2

    # A resolution no longer news is not swept up.
    old = past_question(slug="old")
    forecast(UserFactory(username="cyd"), old, 0.6, days_ago=5)
    resolve(old, resolver, outcome="no")
    later = timezone.now() + RESOLUTION_NEWS_MAX_AGE + timedelta(hours=1)
    assert resolution_emails_sweep(now=later) == 0
    assert [m.to[0] for m in mail.outbox if "cyd" in m.to[0]] == []
