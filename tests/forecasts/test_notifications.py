"""Emails to forecasters: resolutions with their scores, and reminders about stale
forecasts. Sent through Django's in-memory backend (mail.outbox)."""

from __future__ import annotations

import re
import smtplib
from datetime import UTC, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import SentEmail
from common.templatetags.foreseer import score, signed
from forecasts import notifications
from forecasts.notifications import (
    RESOLUTION_NEWS_MAX_AGE,
    _claim,
    forecast_reminders_send,
    resolution_emails_send,
    unsubscribe_target,
)
from pipeline.tasks import score_question, send_forecast_reminders, send_resolution_emails
from questions.models import Question
from questions.services import question_resolve
from scoring.models import Score
from scoring.services import question_score
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://foreseer.example.org"


@pytest.fixture(autouse=True)
def site(settings):
    settings.FORESEER_SITE_URL = SITE
    settings.FORESEER_REMINDER_DAYS = 30


@pytest.fixture
def resolver(db):
    return StaffFactory(username="resolver")


def past_question(**fields) -> Question:
    """Opened ten days ago, so forecasts have whole scored days; closes in three weeks."""
    opened = timezone.now() - timedelta(days=10)
    fields.setdefault("open_time", opened)
    fields.setdefault("scheduled_close_time", opened + timedelta(days=31))
    return QuestionFactory(**fields)


def forecast(user, question, probability: float, days_ago: float):
    return ForecastFactory(
        user=user,
        question=question,
        probability=probability,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def resolve(question, resolver, outcome="yes", score_it=True, **extra):
    """Resolve through the service, then score in-process (the worker's part)."""
    extra.setdefault("known_at", timezone.now() - timedelta(hours=1))
    event = question_resolve(question=question, outcome=outcome, resolved_by=resolver, **extra)
    if score_it:
        question_score(question_id=question.pk)
    question.refresh_from_db()
    return event


def email_to(username: str):
    found = [m for m in mail.outbox if m.to == [f"{username}@example.org"]]
    assert len(found) == 1, [m.to for m in mail.outbox]
    return found[0]


def html_of(message) -> str:
    (content, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return content


@pytest.fixture
def forecasters(db):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    return alice, bob


@pytest.fixture
def resolved_setup(forecasters, resolver):
    alice, bob = forecasters
    question = past_question(slug="nk-launch", title="Will Pyongyang test an ICBM & more?")
    forecast(alice, question, 0.8, days_ago=9)
    forecast(bob, question, 0.3, days_ago=9)
    return question, alice, bob


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
    assert f"Accuracy: {signed(mine.accuracy)}" in body
    assert f"Peer score: {signed(mine.peer, 1)}" in body
    assert f"Baseline score: {signed(mine.baseline, 1)}" in body
    assert f"Log score: {signed(mine.log)}" in body
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
    real_claim = notifications._claim

    def another_run_claims_first(*, kind, wanted):
        # Another worker inserts alice's row between this run's read and its insert.
        SentEmail.objects.create(user=alice, kind="resolution", key=f"event:{event.pk}")
        return real_claim(kind=kind, wanted=wanted)

    with mock.patch.object(notifications, "_claim", side_effect=another_run_claims_first):
        assert resolution_emails_send(question_id=question.pk) == 1
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_claim_takes_only_the_rows_nobody_holds(forecasters):
    alice, bob = forecasters
    SentEmail.objects.create(user=alice, kind="reminder", key="forecast:1")
    claimed = _claim(kind="reminder", wanted=[(alice.pk, "forecast:1"), (bob.pk, "forecast:2")])
    assert [(row.user_id, row.key) for row in claimed] == [(bob.pk, "forecast:2")]
    assert SentEmail.objects.count() == 2


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
    forecast(alice, question, 0.95, days_ago=1)
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
    # Her 95% of yesterday came after the new close: it no longer counts.
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


class RefusingBackend(locmem.EmailBackend):
    """The in-memory backend behind a mail server that answers some addresses with an
    error (`refuse`: address -> exception), or drops the connection after `up_for`
    messages."""

    refuse: dict[str, Exception] = {}
    up_for: int | None = None

    def send_messages(self, messages):
        for message in messages:
            if RefusingBackend.up_for is not None:
                if RefusingBackend.up_for == 0:
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
                RefusingBackend.up_for -= 1
            if message.to[0] in RefusingBackend.refuse:
                raise RefusingBackend.refuse[message.to[0]]
        return super().send_messages(messages)


@pytest.fixture
def refusing(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    RefusingBackend.refuse, RefusingBackend.up_for = {}, None
    yield RefusingBackend
    RefusingBackend.refuse, RefusingBackend.up_for = {}, None


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


# --- Reminders --------------------------------------------------------------------------


def open_question(**fields) -> Question:
    """Opened 60 days ago, closing in 30."""
    opened = timezone.now() - timedelta(days=60)
    fields.setdefault("open_time", opened)
    fields.setdefault("scheduled_close_time", opened + timedelta(days=90))
    return QuestionFactory(**fields)


def test_one_reminder_lists_every_stale_forecast(forecasters):
    alice, bob = forecasters
    first = open_question(slug="first", title="Will A & B sign a treaty?")
    second = open_question(slug="second", title="Will C happen?")
    forecast(alice, first, 0.25, days_ago=40)
    forecast(alice, second, 0.7, days_ago=31)
    forecast(bob, first, 0.45, days_ago=10)  # fresh: bob is not reminded
    forecast(bob, second, 0.5, days_ago=2)

    assert forecast_reminders_send() == 1
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "2 of your forecasts are 30+ days old"
    body = message.body
    assert "Your forecasts on these 2 open questions have not changed for 30 days" in body
    assert "Will A & B sign a treaty?" in body
    assert "Your forecast: 25% yes" in body and "(40 days ago)" in body
    assert "Your forecast: 70% yes" in body and "(31 days ago)" in body
    # The community medians: (25%, 45%) and (70%, 50%).
    assert "Community forecast now: 35% yes, from 2 forecasters" in body
    assert "Community forecast now: 60% yes, from 2 forecasters" in body
    assert f"{SITE}/questions/first/" in body and f"{SITE}/questions/second/" in body
    assert f"{SITE}/accounts/settings/" in body
    unsubscribe = re.search(rf"{SITE}/accounts/unsubscribe/[^/\s]+/", body).group(0)
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    target = unsubscribe_target(token=unsubscribe.rstrip("/").rsplit("/", 1)[1])
    assert (target.user, target.kind) == (alice, "reminder")
    # The first question closes first, so it is listed first.
    assert body.index("Will A & B") < body.index("Will C happen?")
    assert 'href="' + SITE + '/questions/first/"' in html_of(message)


def test_a_single_stale_forecast_is_named_in_the_subject(forecasters):
    alice, _ = forecasters
    forecast(alice, open_question(title="Will C happen?"), 0.7, days_ago=35)
    assert forecast_reminders_send() == 1
    assert mail.outbox[0].subject == "Your forecast on “Will C happen?” is 30+ days old"


def test_each_stale_forecast_is_reminded_once(forecasters):
    alice, _ = forecasters
    question = open_question(scheduled_close_time=timezone.now() + timedelta(days=200))
    old = forecast(alice, question, 0.3, days_ago=45)
    assert forecast_reminders_send() == 1
    assert forecast_reminders_send() == 0
    assert send_forecast_reminders() == 0
    assert SentEmail.objects.get().key == f"forecast:{old.pk}"

    # Alice updates: nothing until the update is stale in turn.
    update = forecast(alice, question, 0.4, days_ago=0)
    assert forecast_reminders_send() == 0
    assert forecast_reminders_send(now=timezone.now() + timedelta(days=29)) == 0
    assert forecast_reminders_send(now=timezone.now() + timedelta(days=31)) == 1
    assert forecast_reminders_send(now=timezone.now() + timedelta(days=32)) == 0
    assert len(mail.outbox) == 2
    assert "Your forecast: 40% yes" in mail.outbox[1].body
    assert set(SentEmail.objects.values_list("key", flat=True)) == {
        f"forecast:{old.pk}",
        f"forecast:{update.pk}",
    }


def test_only_the_latest_forecast_counts(forecasters):
    alice, _ = forecasters
    question = open_question()
    forecast(alice, question, 0.3, days_ago=50)
    forecast(alice, question, 0.35, days_ago=5)
    assert forecast_reminders_send() == 0


def test_reminders_skip_closed_resolved_and_draft_questions_and_unwilling_users(
    forecasters, resolver
):
    alice, _ = forecasters
    closed = open_question(scheduled_close_time=timezone.now() - timedelta(hours=1))
    resolved = open_question()
    draft = open_question(published_at=None)
    for question in (closed, resolved, draft):
        forecast(alice, question, 0.3, days_ago=40)
    question_resolve(
        question=resolved,
        outcome="no",
        known_at=timezone.now() - timedelta(hours=2),
        resolved_by=resolver,
    )
    live = open_question()
    for user in (
        UserFactory(email_reminders=False),
        UserFactory(is_active=False),
        UserFactory(email=""),
    ):
        forecast(user, live, 0.5, days_ago=40)
    assert forecast_reminders_send() == 0
    assert mail.outbox == []


def test_reminders_can_be_turned_off(forecasters, settings):
    alice, _ = forecasters
    forecast(alice, open_question(), 0.3, days_ago=400)
    settings.FORESEER_REMINDER_DAYS = 0
    assert forecast_reminders_send() == 0
    settings.FORESEER_REMINDER_DAYS = 500
    assert forecast_reminders_send() == 0
    settings.FORESEER_REMINDER_DAYS = 300
    assert forecast_reminders_send() == 1


def test_reminder_queries_do_not_grow_with_users_questions_or_forecasts():
    def run(users: int, questions: int) -> int:
        made = [open_question() for _ in range(questions)]
        for _ in range(users):
            user = UserFactory()
            for question in made:
                forecast(user, question, 0.4, days_ago=60)
                forecast(user, question, 0.5, days_ago=45)
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            sent = forecast_reminders_send()
        assert len(mail.outbox) == sent
        return len(queries.captured_queries)

    small = run(users=1, questions=1)
    large = run(users=7, questions=5)
    assert small == large
    # Every email of the large run lists the five questions of that run.
    assert all(m.body.count("Update it:") >= 5 for m in mail.outbox)


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
    from forecasts.notifications import resolution_emails_sweep
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
