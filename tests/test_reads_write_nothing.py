"""A GET never writes. Every URL pattern of the project is filled from a small world
(questions in each state, forecasts, resolutions and corrections, scores, leaderboards,
calibration, a draft, clarifications) and requested with the query strings its page or
endpoint takes, as each role; a request that writes or answers with a 5xx fails, naming
the URL, the role and the statement.

Two checks, because each sees what the other can miss: the SQL Django logs
(CaptureQueriesContext), and the database's own count of changed rows (SQLite's
total_changes, PostgreSQL's pg_stat_xact_user_tables), which also counts writes made on
the driver's cursor, as common.db's COPY is, that Django never logs.

A pattern this file cannot fill fails test_every_url_pattern_is_filled, so a new page
cannot escape the rule by not being requested. Nothing is skipped: patterns that take
only POST are requested too (they answer 405 and must not write either), and so are the
admin's delete confirmations. The one GET that writes by design is Django's password
reset link, which moves its token into the session: the loop requests that pattern with
tokens that do not check, and test_password_reset_link_writes_only_the_session holds
the valid link to that one write.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token, TokenProxy

from accounts.models import User
from claims.models import Claim, ClaimLink
from claims.services.provenance import claims_sync_provenance
from claims.services.review import ClaimEdit, claim_create, claim_dismiss, claim_draft_question
from discussion.models import Comment
from discussion.services import (
    comment_edit,
    comment_hide,
    comment_post,
    comment_vote,
    rationale_share,
)
from forecasts.models import Forecast
from forecasts.services import forecast_submit, forecast_withdraw, questions_close_due
from notifications.services import alerts_sweep, follow_set
from notifications.unsubscribe import PREFERENCE_OF_KIND, unsubscribe_token
from questions.models import Article, ArticleAuthor, Person, Project, Question, Tag
from questions.services import (
    QuestionDraft,
    clarification_add,
    question_draft_create,
    question_resolve,
)
from scoring import registry
from scoring.core import aggregate
from scoring.selectors.track_records import BOARD_KINDS, compared_rules
from scoring.services import (
    question_score,
    rescore_run_start,
    scopes_mark_dirty,
    scopes_rebuild_dirty,
)
from scoring.services.community import community_update
from tests.factories import (
    ArticleFactory,
    ForecastFactory,
    QuestionFactory,
    StaffFactory,
    UserFactory,
)
from tests.web.analysts import analyst_user

ROLES = ("anonymous", "forecaster", "analyst", "staff")
PASSAGE = "More likely, the situation will remain tense but stable."
MISSING = "no-such-question"
AUTHOR, SPEAKER = "ana-lyst", "emily-carter"
# Leaderboard scopes no rebuild has reached: a tag of open questions only, an empty year.
UNBUILT = ("tag:economy", "year:2019")


# --- The world ------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    forecaster: User
    analyst: User
    staff: User
    open: Question
    hidden: Question
    upcoming: Question
    closed: Question
    resolved: Question
    resolved_no: Question
    annulled: Question
    fresh: Question
    closing: Question
    unscored: Question
    draft: Question
    article: Article
    tag: Tag
    project: Project
    group: Group
    forecast: Forecast
    known_on: date

    @property
    def year(self) -> str:
        """The scope of the year the world's outcomes became known."""
        return f"year:{self.known_on.year}"

    @property
    def questions(self) -> list[Question]:
        return [
            self.open,
            self.hidden,
            self.upcoming,
            self.closed,
            self.resolved,
            self.resolved_no,
            self.annulled,
            self.fresh,
            self.closing,
            self.unscored,
            self.draft,
        ]

    def user(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "forecaster": self.forecaster,
            "analyst": self.analyst,
            "staff": self.staff,
        }[role]


def build_world() -> World:
    """Built through the services, as the site and its tasks would: forecasts, the close,
    resolutions (one corrected), scores, community histories and every dirty scope. Then
    the states the tasks leave for a while, which a page must read as they are rather
    than repair: a forecast whose community update has not run, a close not yet
    processed, a resolution not yet scored, a scope marked dirty and not yet rebuilt."""
    now = timezone.now()
    # A superuser as well, so the admin's pages answer rather than refuse.
    staff = StaffFactory(username="root-admin", is_superuser=True)
    alice = UserFactory(username="alice")
    bob, carol = UserFactory(username="bob"), UserFactory(username="carol")
    ana = analyst_user("ana")
    group = Group.objects.create(name="superforecasters")
    group.user_set.add(alice, bob)
    Token.objects.create(user=alice)
    tag = Tag.objects.create(slug="nuclear")
    project = Project.objects.create(slug="summit-2026", name="Summit 2026")
    article = ArticleFactory(
        slug="fractured-pillar",
        title="The Fractured Pillar",
        text=f"An escalation could follow.\n\n{PASSAGE} Diplomats will keep talking.",
        author="Jane Doe",
    )

    # A byline author and a quoted speaker, for the track-record pages.
    ArticleAuthor.objects.create(
        article=article, person=Person.objects.create(slug=AUTHOR, name="Ana Lyst")
    )
    speaker = Person.objects.create(slug=SPEAKER, name="Emily Carter")

    def question(slug: str, *, opened_ago: int, open_for: int, **fields: Any) -> Question:
        opened = now - timedelta(days=opened_ago)
        made = QuestionFactory(
            slug=slug,
            open_time=opened,
            scheduled_close_time=opened + timedelta(days=open_for),
            article=article,
            source_passage=PASSAGE,
            **fields,
        )
        made.tags.add(tag)
        made.projects.add(project)
        # Spread over the time it has been open for, so none is made after the close.
        step = (min(now, made.scheduled_close_time) - opened) / 5
        for number, (user, probability) in enumerate(
            [(alice, 0.3), (bob, 0.6), (carol, 0.8), (alice, 0.45)], start=1
        ):
            ForecastFactory(
                user=user, question=made, probability=probability, created_at=opened + step * number
            )
        return made

    open_q = question("open-q", opened_ago=10, open_for=40)
    hidden = question("hidden-q", opened_ago=10, open_for=40, hide_community_until_forecast=True)
    upcoming = QuestionFactory(slug="upcoming-q", open_time=now + timedelta(days=2))
    closed = question("closed-q", opened_ago=40, open_for=30)
    # Its passage implies a range: the article's claim is scored on it.
    resolved = question(
        "resolved-q",
        opened_ago=30,
        open_for=20,
        implied_probability_low=0.55,
        implied_probability_high=0.8,
        implied_probability_table="icd203",
        implied_probability_term="likely",
    )
    resolved_no = question("resolved-no-q", opened_ago=30, open_for=20)
    annulled = question("annulled-q", opened_ago=30, open_for=20)
    forecast = forecast_submit(
        user=alice,
        question=open_q,
        probability=0.55,
        rationale="Talks stalled.",
        origin=Forecast.Origin.WEB,
    )
    for clarified in (open_q, closed):
        clarification_add(
            question=clarified, text="Launches from submarines count.", created_by=staff
        )
    questions_close_due()
    known_at = resolved.scheduled_close_time - timedelta(hours=1)
    # resolved-q is resolved no, then corrected to yes: two events in its audit trail.
    for target, outcome in (
        (resolved, "no"),
        (resolved, "yes"),
        (resolved_no, "no"),
        (annulled, "annulled"),
    ):
        question_resolve(
            question=target,
            outcome=outcome,
            known_at=known_at,
            resolved_by=staff,
            note="Reported by the ROK JCS.",
            evidence_links=["https://example.org/report"],
        )
    # The followers' alerts of those clarifications and resolutions, as the tasks record
    # them; and a question one forecaster stopped following.
    alerts_sweep()
    follow_set(user=bob, question=closed, following=False)
    # The questions' provenance as claims, as the import's task makes them.
    claims_sync_provenance()
    # A claim by a quoted speaker tracked directly by a resolved question, and by proxy.
    start = article.text.index(PASSAGE)
    claim = Claim.objects.get_or_create(
        article=article,
        start=start,
        end=start + len(PASSAGE),
        defaults={"passage": PASSAGE, "expression": "More likely", "low": 0.55, "high": 0.8,
                  "table": "icd203"},
    )[0]  # fmt: skip
    Claim.objects.filter(pk=claim.pk).update(speaker=speaker)
    for tracked, kind in ((resolved, "direct"), (closed, "proxy")):
        ClaimLink.objects.update_or_create(claim=claim, question=tracked, defaults={"kind": kind})
    for scored in (resolved, resolved_no, annulled):
        question_score(question_id=scored.pk)
    for forecast_on in (open_q, hidden, closed, resolved, resolved_no, annulled):
        community_update(question_id=forecast_on.pk)
    scopes_rebuild_dirty()

    # What the tasks have not caught up with yet.
    fresh = question("fresh-q", opened_ago=1, open_for=30)
    fresh.tags.add(Tag.objects.create(slug="economy"))  # a tag no resolution has reached
    forecast_submit(user=bob, question=fresh, probability=0.2, origin=Forecast.Origin.API)
    # A forecast withdrawn: the question page and the admin show the withdrawal.
    forecast_submit(user=staff, question=fresh, probability=0.6, origin=Forecast.Origin.WEB)
    forecast_withdraw(user=staff, question=fresh, origin=Forecast.Origin.WEB)
    closing = question("closing-q", opened_ago=31, open_for=30)
    unscored = question("unscored-q", opened_ago=30, open_for=20)
    question_resolve(question=unscored, outcome="yes", known_at=known_at, resolved_by=staff)
    scopes_mark_dirty(scopes={f"tag:{tag.slug}"}, announce=False)

    # A rescore in progress: its chunks are queued on commit, which a test never reaches.
    rescore_run_start(question_ids=[resolved.pk])
    draft = question_draft_create(
        draft=QuestionDraft(
            title="Will the summit take place?",
            resolution_criteria="Resolves yes if the leaders meet.",
            open_time=now + timedelta(days=1),
            scheduled_close_time=now + timedelta(days=60),
            scheduled_resolve_time=now + timedelta(days=61),
            tags=["nuclear"],
            projects=[project],
            article=article,
            source_passage=PASSAGE,
        ),
        created_by=staff,
    )
    # The article's claims in each state: proposed, accepted and drafted into a question,
    # dismissed.
    Claim.objects.create(
        article=article, passage="Diplomats will keep talking.", status=Claim.Status.PROPOSED,
        start=article.text.index("Diplomats"), end=len(article.text),
    )  # fmt: skip
    # (The questions' provenance may have made the passage's claim already.)
    tracked = Claim.objects.filter(article=article, passage=PASSAGE).first() or claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage=PASSAGE, speaker="Dr. Emily Carter"),
        created_by=staff,
    )
    claim_draft_question(claim_id=tracked.pk, by=staff)
    dropped = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage="An escalation could follow."),
        created_by=staff,
    )
    claim_dismiss(claim_id=dropped.pk, reason="Too vague.", dismissed_by=staff)
    # A discussion: a thread with a reply, an upvote, an edit, a shared rationale, a
    # comment hidden by a moderator, and comments on the question that hides them.
    top = comment_post(author=alice, question=open_q, body="Talks stalled, @bob.")
    comment_post(author=bob, question=open_q, body="They resumed.", parent=top)
    comment_vote(comment=top, user=bob)
    comment_edit(comment=top, by=alice, body="Talks stalled again, @bob.")
    rationale_share(forecast=forecast, by=alice)
    rude = comment_post(author=carol, question=closed, body="Rude words.")
    comment_hide(comment=rude, by=staff, reason="Personal attack.")
    comment_post(author=alice, question=hidden, body="Hidden reasoning.")
    # A wrong password on the login page: the failure the lockout counts (the admin's
    # list of login attempts).
    Client().post(reverse("login"), {"username": "carol", "password": "not-her-password"})
    for refreshed in (open_q, hidden, closed, resolved, resolved_no, annulled, fresh):
        refreshed.refresh_from_db()
    return World(
        forecaster=alice,
        analyst=ana,
        staff=staff,
        open=open_q,
        hidden=hidden,
        upcoming=upcoming,
        closed=closed,
        resolved=resolved,
        resolved_no=resolved_no,
        annulled=annulled,
        fresh=fresh,
        closing=closing,
        unscored=unscored,
        draft=draft,
        article=article,
        tag=tag,
        project=project,
        group=group,
        forecast=forecast,
        known_on=known_at.date(),
    )


# --- The URL patterns -----------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str | None

    @property
    def key(self) -> str:
        """How FILLERS names it: its namespaced name, or its route when it has none."""
        return self.name or self.route


def url_patterns(
    resolver: URLResolver | None = None, route: str = "", namespace: str = ""
) -> Iterator[Pattern]:
    """Every pattern of the project, its route joined as Django's ResolverMatch.route
    joins it (a nested regex loses its leading ^)."""
    for entry in (resolver or get_resolver()).url_patterns:
        part = str(entry.pattern)
        joined = route + part.removeprefix("^") if route else part
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, joined, inner)
        else:
            assert isinstance(entry, URLPattern)
            yield Pattern(joined, f"{namespace}{entry.name}" if entry.name else None)


def at(name: str, *queries: dict[str, Any], **kwargs: Any) -> list[str]:
    """The URL named `name`, once with each query (none: the bare URL)."""
    path = reverse(name, kwargs=kwargs or None)
    return [f"{path}?{urlencode(query)}" if query else path for query in queries or ({},)]


def each_question(name: str, w: World, *queries: dict[str, Any]) -> list[str]:
    """`name` for every question of the world and for one that does not exist."""
    slugs = [question.slug for question in w.questions] + [MISSING]
    return [url for slug in slugs for url in at(name, *queries, slug=slug)]


def window(w: World) -> dict[str, str]:
    """A window of resolution dates around the world's resolutions (a live leaderboard)."""
    return {
        "resolved_after": (w.known_on - timedelta(days=1)).isoformat(),
        "resolved_before": (w.known_on + timedelta(days=1)).isoformat(),
    }


def api_window(w: World) -> dict[str, str]:
    return {key: f"{day}T00:00:00Z" for key, day in window(w).items()}


def history_window(w: World) -> dict[str, str]:
    since = w.resolved.open_time + timedelta(days=2)
    return {"since": since.isoformat(), "until": (since + timedelta(days=2)).isoformat()}


def question_list(w: World) -> list[str]:
    return at(
        "questions:list",
        {},
        *({"status": status} for status in [*Question.Status.values, "all"]),
        *({"sort": sort} for sort in ("newest", "forecasters", "recent")),
        {"tag": w.tag.slug, "article": w.article.slug, "q": "event happen"},
        {"closing_soon": "1", "unforecast": "1", "status": "open"},
        {"page": "2"},
        {"status": "bogus", "closing_soon": "maybe"},
    )


def password_reset_links(w: World) -> list[str]:
    """Links whose token does not check: a forged one, and the form's own URL without the
    token in the session. The valid link is test_password_reset_link_writes_only_the_session's."""
    uid = urlsafe_base64_encode(force_bytes(w.forecaster.pk))
    return [
        url
        for token in ("forged-token", "set-password")
        for url in at("password_reset_confirm", uidb64=uid, token=token)
    ]


def leaderboard_page(w: World) -> list[str]:
    scopes = [f"tag:{w.tag.slug}", f"article:{w.article.slug}", f"project:{w.project.slug}"]
    return at(
        "scoring:leaderboard",
        {},
        *({"rule": rule, "min_questions": "1"} for rule in registry.rule_keys()),
        *({"scope": scope, "rule": "peer"} for scope in [*scopes, *UNBUILT, w.year]),
        *({"sort": sort} for sort in ("-rank", "name", "-questions")),
        {**window(w), "rule": "accuracy", "min_questions": "0"},
        {"page": "2"},
        {"scope": "nope", "min_questions": "-1"},
        {"resolved_after": "2030-01-02", "resolved_before": "2030-01-01"},
    )


def calibration_page(w: World) -> list[str]:
    alice = w.forecaster.username
    return at(
        "scoring:calibration",
        {},
        {"user": alice},
        {"user": alice, "tag": w.tag.slug},
        {"user": w.analyst.username},
        {"group": w.group.name},
        {"group": "Analysts"},
        {"tag": w.tag.slug},
        {"tag": "economy"},
        {"article": w.article.slug, "weighting": "last"},
        {"project": w.project.slug, "questions": "all"},
        *({"format": "csv", "table": table} for table in ("bins", "decomposition", "roc")),
        {"user": alice, "format": "csv", "table": "bins"},
        {"user": "nobody"},
        {"tag": w.tag.slug, "article": w.article.slug},
        {"format": "csv", "table": "bogus"},
    )


def analysis_question(w: World) -> list[str]:
    sorts = ({"sort": sort} for sort in ("user", "-accuracy", "bogus"))
    return [
        *each_question("scoring:analysis_question", w),
        *at("scoring:analysis_question", *sorts, slug=w.resolved.slug),
    ]


def record(w: World) -> list[str]:
    return at(
        "forecasts:record",
        {},
        {"tag": w.tag.slug},
        {"format": "csv"},
        {"format": "csv", "table": "rules"},
        {"format": "csv", "table": "calibration", "tag": w.tag.slug},
        {"tag": "bogus"},
        {"format": "csv", "table": "bogus"},
    )


def question_new(w: World) -> list[str]:
    return at(
        "manage:question_new",
        {},
        {"article": w.article.slug, "passage": PASSAGE, "horizon": "1y"},
        {"article": w.article.slug, "passage": PASSAGE, "horizon": "6m", "anchor": "today"},
        {"passage": PASSAGE},
        {"article": "no-such-article", "horizon": "99y"},
    )


def each_comment(name: str) -> list[str]:
    """`name` for every comment of the world (on each question, hidden or not) and one
    that does not exist."""
    pks = [*Comment.objects.order_by("pk").values_list("pk", flat=True), 999_999]
    return [url for pk in pks for url in at(name, pk=pk)]


def each_claim(name: str, w: World) -> list[str]:
    """`name` for every claim of the world (one in each state) and one that does not exist."""
    pks = [*Claim.objects.filter(article=w.article).values_list("pk", flat=True), 999_999]
    return [url for pk in pks for url in at(name, pk=pk)]


def claims_api(w: World) -> list[str]:
    return at(
        "api:claim-list",
        {},
        *({"status": status} for status in Claim.Status.values),
        {"article": w.article.slug, "speaker": "nobody", "expression": "likely"},
        {"limit": "1", "offset": "1"},
        {"status": "bogus"},
    )


def community_history(w: World) -> list[str]:
    methods = [{"method": method} for method in aggregate.METHODS]
    shaped = [{"max_points": "2"}, history_window(w), {"format": "csv"}]
    return [
        *each_question("api:question-community", w),
        *at("api:question-community", *methods, *shaped, slug=w.resolved.slug),
        *at("api:question-community", {"format": "csv", "method": "mean"}, slug=w.open.slug),
        *at("api:question-community", {"max_points": "2"}, slug=w.hidden.slug),
        *at("api:question-community", {"method": "bogus", "max_points": "1"}, slug=w.open.slug),
    ]


def leaderboard_api(w: World) -> list[str]:
    scopes = [f"tag:{w.tag.slug}", f"article:{w.article.slug}", f"project:{w.project.slug}"]
    return at(
        "api:leaderboard",
        {},
        *({"rule": rule, "min_questions": "1"} for rule in registry.rule_keys()),
        *({"scope": scope} for scope in [*scopes, *UNBUILT, w.year]),
        {**api_window(w), "rule": "peer"},
        {"format": "csv"},
        {"format": "csv", "scope": scopes[0], "rule": "log"},
        {**api_window(w), "format": "csv"},
        {"limit": "1", "offset": "1"},
        {"scope": f"group:{w.group.name}"},
        {"rule": "bogus"},
    )


def calibration_api(w: World) -> list[str]:
    alice = w.forecaster.username
    return at(
        "api:calibration",
        {},
        *(
            {"scope": scope}
            for scope in (
                f"tag:{w.tag.slug}",
                f"article:{w.article.slug}",
                f"project:{w.project.slug}",
                f"group:{w.group.name}",
                "group:Analysts",
                "tag:economy",
                f"user:{alice}",
                f"user:{w.analyst.username}",
            )
        ),
        {"scope": f"user:{alice}", "within": f"tag:{w.tag.slug}"},
        {"weighting": "last", "closed_only": "false"},
        {"format": "csv"},
        {"format": "csv", "scope": f"user:{alice}"},
        {"scope": "user:nobody"},
        {"scope": "all", "within": f"tag:{w.tag.slug}"},
    )


def track_record_board(w: World) -> list[str]:
    return at(
        "track_records:board",
        {},
        *({"kind": kind, "rule": rule} for kind in BOARD_KINDS for rule in compared_keys()),
        {"page": "2"},
        {"kind": "bogus", "rule": "bogus", "page": "0"},
    )


def compared_keys() -> list[str]:
    return [rule.key for rule in compared_rules()]


def track_record_api(kind: str, slug: str) -> list[str]:
    name = f"api:track-record-{kind}"
    return [
        *at(
            name, {}, {"format": "csv"}, {"format": "json", "limit": "1", "offset": "1"}, slug=slug
        ),
        *at(name, {"limit": "0"}, slug=slug),
        *at(name, slug="nobody"),
    ]


def admin_autocomplete(w: World) -> list[str]:
    article = {"app_label": "questions", "model_name": "question", "field_name": "article"}
    return at("admin:autocomplete", {}, {**article, "term": "frac"})


def view_on_site(w: World) -> list[str]:
    kind = ContentType.objects.get_for_model(Question).pk
    return at("admin:view_on_site", content_type_id=kind, object_id=w.resolved.pk)


def admin_apps(w: World) -> list[str]:
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    return [url for label in labels for url in at("admin:app_list", app_label=label)]


# How to fill each pattern: its namespaced name (or, unnamed, its route) to the URLs to
# request. The admin's per-model pages are filled by admin_model_urls instead.
FILLERS: dict[str, Callable[[World], list[str]]] = {
    # The site
    "questions:list": question_list,
    "questions:detail": lambda w: each_question("questions:detail", w),
    "questions:article": lambda w: [
        *at("questions:article", slug=w.article.slug),
        *at("questions:article", slug="no-such-article"),
    ],
    "track_records:article": lambda w: [
        *at("track_records:article", {}, {"page": "2"}, {"page": "0"}, slug=w.article.slug),
        *at("track_records:article", slug="no-such-article"),
    ],
    "track_records:author": lambda w: [
        *at("track_records:author", {}, {"page": "bogus"}, slug=AUTHOR),
        *at("track_records:author", slug=SPEAKER),
        *at("track_records:author", slug="nobody"),
    ],
    "track_records:speaker": lambda w: [
        *at("track_records:speaker", {}, {"page": "2"}, slug=SPEAKER),
        *at("track_records:speaker", slug=AUTHOR),
        *at("track_records:speaker", slug="nobody"),
    ],
    "track_records:outlet": lambda w: [
        *at("track_records:outlet", {}, {"page": "-1"}, slug=w.article.outlet.slug),
        *at("track_records:outlet", slug="nowhere"),
    ],
    "track_records:board": track_record_board,
    "track_records:terms": lambda w: at(
        "track_records:terms",
        {},
        {"outlet": w.article.outlet.slug},
        {"page": "2"},
        {"outlet": "nowhere", "page": "x"},
    ),
    "forecasts:submit": lambda w: each_question("forecasts:submit", w),
    "forecasts:withdraw": lambda w: each_question("forecasts:withdraw", w),
    "forecasts:reaffirm": lambda w: each_question("forecasts:reaffirm", w),
    "forecasts:record": record,
    "profiles:forecaster_profile": lambda w: [
        *at("profiles:forecaster_profile", username=w.forecaster.username),
        *at("profiles:forecaster_profile", username=w.staff.username),
        *at("profiles:forecaster_profile", username="community"),
        *at("profiles:forecaster_profile", username="nobody"),
    ],
    "api:forecaster-profile": lambda w: [
        *at("api:forecaster-profile", {}, {"bogus": "1"}, username=w.forecaster.username),
        *at("api:forecaster-profile", username="community"),
        *at("api:forecaster-profile", username="nobody"),
    ],
    "api:me": lambda w: at("api:me"),
    "scoring:leaderboard": leaderboard_page,
    "scoring:how_scoring_works": lambda w: at("scoring:how_scoring_works"),
    "scoring:calibration": calibration_page,
    "scoring:analysis_questions": lambda w: at(
        "scoring:analysis_questions",
        {},
        {"q": "event"},
        {"tag": w.tag.slug},
        {"article": w.article.slug},
        {"page": "2"},
        {"tag": "bogus"},
    ),
    "scoring:analysis_question": analysis_question,
    # The discussion
    "discussion:feed": lambda w: at(
        "discussion:feed",
        {},
        {"sort": "upvoted"},
        {"page": "2"},
        {"sort": "bogus", "page": "x"},
    ),
    "discussion:post": lambda w: each_question("discussion:post", w),
    "discussion:edit": lambda w: each_comment("discussion:edit"),
    "discussion:vote": lambda w: each_comment("discussion:vote"),
    "discussion:hide": lambda w: each_comment("discussion:hide"),
    "discussion:unhide": lambda w: each_comment("discussion:unhide"),
    "discussion:share": lambda w: [
        *at("discussion:share", pk=w.forecast.pk),
        *at("discussion:share", pk=999_999),
    ],
    "healthz": lambda w: at("healthz"),
    "favicon": lambda w: at("favicon"),
    # Staff pages
    "manage:index": lambda w: at("manage:index"),
    "manage:resolutions": lambda w: at("manage:resolutions", {}, {"page": "2"}),
    "manage:questions": lambda w: at("manage:questions", {}, {"page": "bogus"}),
    "manage:question_new": question_new,
    "manage:question_edit": lambda w: each_question("manage:question_edit", w),
    "manage:question_publish": lambda w: each_question("manage:question_publish", w),
    "manage:question_resolve": lambda w: each_question("manage:question_resolve", w),
    "manage:clarification_add": lambda w: each_question("manage:clarification_add", w),
    "manage:articles": lambda w: at("manage:articles", {}, {"page": "2"}),
    "manage:article_add": lambda w: at("manage:article_add"),
    "manage:article_save": lambda w: at("manage:article_save"),
    "manage:article_review": lambda w: [
        *at("manage:article_review", slug=w.article.slug),
        *at("manage:article_review", slug="no-such-article"),
    ],
    "manage:article_propose": lambda w: at("manage:article_propose", slug=w.article.slug),
    "manage:claim_accept": lambda w: each_claim("manage:claim_accept", w),
    "manage:claim_edit": lambda w: each_claim("manage:claim_edit", w),
    "manage:claim_dismiss": lambda w: each_claim("manage:claim_dismiss", w),
    "manage:claim_draft": lambda w: each_claim("manage:claim_draft", w),
    "manage:likelihood_tables": lambda w: at("manage:likelihood_tables"),
    # Following and alerts
    "following:dashboard": lambda w: at("following:dashboard", {}, {"page": "2"}, {"page": "x"}),
    "following:seen": lambda w: at("following:seen"),
    "following:preferences": lambda w: at("following:preferences"),
    "following:follow": lambda w: each_question("following:follow", w),
    # Accounts
    "signup": lambda w: at("signup"),
    "account_settings": lambda w: at("account_settings"),
    "unsubscribe": lambda w: [
        *(
            url
            for kind in PREFERENCE_OF_KIND
            for url in at(
                "unsubscribe", token=unsubscribe_token(user_id=w.forecaster.pk, kind=kind)
            )
        ),
        *at("unsubscribe", token="forged-token"),
    ],
    "login": lambda w: at("login", {}, {"next": "/me/record/"}),
    "logout": lambda w: at("logout"),
    "password_change": lambda w: at("password_change"),
    "password_change_done": lambda w: at("password_change_done"),
    "password_reset": lambda w: at("password_reset"),
    "password_reset_done": lambda w: at("password_reset_done"),
    "password_reset_confirm": password_reset_links,
    "password_reset_complete": lambda w: at("password_reset_complete"),
    # The API
    "api:question-list": lambda w: at(
        "api:question-list",
        {},
        *({"status": status} for status in Question.Status.values),
        {"tag": w.tag.slug, "article": w.article.slug, "search": "event"},
        {"limit": "1", "offset": "1"},
        {"status": "bogus"},
    ),
    "api:question-detail": lambda w: each_question("api:question-detail", w),
    "api:question-resolutions": lambda w: each_question("api:question-resolutions", w),
    "api:question-resolve": lambda w: at("api:question-resolve", slug=w.closed.slug),
    "api:forecast-list": lambda w: at(
        "api:forecast-list", {}, {"question": w.open.slug}, {"limit": "1", "offset": "1"}
    ),
    "api:forecast-detail": lambda w: [
        *at("api:forecast-detail", pk=w.forecast.pk),
        *at("api:forecast-detail", pk=999_999),
    ],
    "api:question-scores": lambda w: [
        *each_question("api:question-scores", w),
        *at("api:question-scores", {"format": "csv"}, slug=w.resolved.slug),
        *at("api:question-scores", {"format": "csv"}, slug=w.open.slug),
    ],
    "api:question-community": community_history,
    "api:leaderboard": leaderboard_api,
    "api:calibration": calibration_api,
    "api:staff-export-scores": lambda w: at(
        "api:staff-export-scores",
        {},
        {"format": "json"},
        {"question": w.resolved.slug},
        {"question": MISSING},
        {"format": "bogus"},
    ),
    "api:track-record-board": lambda w: at(
        "api:track-record-board",
        {},
        *({"kind": kind, "rule": rule} for kind in BOARD_KINDS for rule in compared_keys()),
        {"limit": "1", "offset": "1"},
        {"format": "csv", "kind": "outlets"},
        {"kind": "bogus", "rule": "bogus"},
    ),
    "api:track-record-terms": lambda w: at(
        "api:track-record-terms",
        {},
        {"outlet": w.article.outlet.slug, "format": "csv"},
        {"limit": "1", "offset": "5"},
        {"outlet": "nowhere"},
    ),
    "api:track-record-article": lambda w: track_record_api("article", w.article.slug),
    "api:track-record-author": lambda w: track_record_api("author", AUTHOR),
    "api:track-record-speaker": lambda w: track_record_api("speaker", SPEAKER),
    "api:track-record-outlet": lambda w: track_record_api("outlet", w.article.outlet.slug),
    "api:staff-import-questions": lambda w: at("api:staff-import-questions"),
    "api:staff-import-forecasts": lambda w: at("api:staff-import-forecasts"),
    "api:question-withdraw": lambda w: each_question("api:question-withdraw", w),
    "api:question-reaffirm": lambda w: each_question("api:question-reaffirm", w),
    "api:article-list": lambda w: at("api:article-list", {}, {"limit": "1", "offset": "1"}),
    "api:article-detail": lambda w: [
        *at("api:article-detail", slug=w.article.slug),
        *at("api:article-detail", slug="no-such-article"),
    ],
    "api:claim-list": claims_api,
    "api:claim-detail": lambda w: each_claim("api:claim-detail", w),
    "api:claim-accept": lambda w: each_claim("api:claim-accept", w),
    "api:claim-dismiss": lambda w: each_claim("api:claim-dismiss", w),
    "api:claim-propose": lambda w: at("api:claim-propose"),
    "api:speaker-list": lambda w: at("api:speaker-list", {}, {"limit": "1"}),
    "api:speaker-detail": lambda w: [
        url for slug in ["dr-emily-carter", "nobody"] for url in at("api:speaker-detail", slug=slug)
    ],
    "api:outlet-list": lambda w: at("api:outlet-list", {}, {"limit": "1"}),
    "api:outlet-detail": lambda w: [
        *at("api:outlet-detail", slug=w.article.outlet.slug),
        *at("api:outlet-detail", slug="nowhere"),
    ],
    "api:question-comments": lambda w: [
        *each_question("api:question-comments", w),
        *at(
            "api:question-comments", {"limit": "1", "offset": "1"}, {"bogus": "1"}, slug=w.open.slug
        ),
    ],
    "api:comment-detail": lambda w: each_comment("api:comment-detail"),
    "api:comment-vote": lambda w: each_comment("api:comment-vote"),
    "api:comment-hide": lambda w: each_comment("api:comment-hide"),
    "api:comment-unhide": lambda w: each_comment("api:comment-unhide"),
    "api:rationales": lambda w: at(
        "api:rationales",
        {},
        {"sort": "upvoted", "question": w.open.slug},
        {"limit": "1", "offset": "1"},
        {"sort": "bogus"},
        {"question": MISSING},
    ),
    "api:following": lambda w: at("api:following", {}, {"limit": "1"}, {"bogus": "1"}),
    "api:question-follow": lambda w: each_question("api:question-follow", w),
    "api:alert-list": lambda w: at("api:alert-list", {}, {"limit": "1", "offset": "1"}),
    "api:alerts-read": lambda w: at("api:alerts-read"),
    "api:alert-preferences": lambda w: at("api:alert-preferences", {}, {"bogus": "1"}),
    "api:auth-token": lambda w: at("api:auth-token"),
    "api:auth-signup": lambda w: at("api:auth-signup"),
    "api:schema": lambda w: at("api:schema", {}, {"format": "json"}),
    "api:docs": lambda w: at("api:docs"),
    "api:redoc": lambda w: at("api:redoc"),
    # The admin site's own pages
    "admin:index": lambda w: at("admin:index"),
    "admin:login": lambda w: at("admin:login", {}, {"next": "/admin/"}),
    "admin:logout": lambda w: at("admin:logout"),
    "admin:password_change": lambda w: at("admin:password_change"),
    "admin:password_change_done": lambda w: at("admin:password_change_done"),
    "admin:autocomplete": admin_autocomplete,
    "admin:jsi18n": lambda w: at("admin:jsi18n"),
    "admin:view_on_site": view_on_site,
    "admin:app_list": admin_apps,
    "admin/(?P<url>.*)$": lambda w: ["/admin/no-such-page/"],
}

ADMIN_MODEL_ROUTE = re.compile(r"^admin/(?P<app_label>\w+)/(?P<model_name>\w+)/")
ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def admin_model(pattern: Pattern) -> type[Model] | None:
    """The model of one of the admin's per-model pages (admin/<app>/<model>/...)."""
    match = ADMIN_MODEL_ROUTE.match(pattern.route)
    if match is None:
        return None
    try:
        model = apps.get_model(match["app_label"], match["model_name"])
    except LookupError:
        return None
    return model if admin.site.is_registered(model) else None


def admin_object_ids(model: type[Model], w: World) -> list[Any]:
    """The objects whose admin pages (change, history, delete, ...) are requested."""
    if model is Question:
        return [w.resolved.pk, w.draft.pk]
    if model is User:
        return [w.forecaster.pk]
    if model is TokenProxy:
        return [w.forecaster.pk]  # the token admin finds a token by its user's id
    first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    assert first is not None, f"The world has no {model.__name__} for its admin pages."
    return [first]


def admin_model_urls(pattern: Pattern, model: type[Model], w: World) -> list[str]:
    if not ROUTE_PARAMETER.search(pattern.route):
        queries = ["", "?q=a"] if (pattern.name or "").endswith("_changelist") else [""]
        return [f"/{pattern.route}{query}" for query in queries]
    return [
        "/" + ROUTE_PARAMETER.sub(quote(str(pk)), pattern.route)
        for pk in admin_object_ids(model, w)
    ]


def unfilled_patterns() -> list[Pattern]:
    return [p for p in url_patterns() if admin_model(p) is None and p.key not in FILLERS]


def planned_requests(w: World) -> list[tuple[Pattern, str]]:
    """Every (pattern, URL) to request; each URL is checked to reach its pattern, so a
    mistake in FILLERS cannot leave a pattern unrequested."""
    planned = []
    for pattern in url_patterns():
        model = admin_model(pattern)
        if model is not None:
            urls = admin_model_urls(pattern, model, w)
        else:
            assert pattern.key in FILLERS, f"No way to fill {pattern.key}: add it to FILLERS."
            urls = FILLERS[pattern.key](w)
        assert urls, f"No URL for {pattern.key}"
        for url in urls:
            route = resolve(urlsplit(url).path).route
            assert route == pattern.route, f"{url} reaches {route!r}, not {pattern.route!r}"
            planned.append((pattern, url))
    return planned


# --- Catching writes ------------------------------------------------------------------

WRITE_STATEMENTS = frozenset(
    {"INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT", "MERGE", "TRUNCATE", "CREATE",
     "ALTER", "DROP", "ANALYZE", "VACUUM", "REINDEX", "GRANT"}
)  # fmt: skip
LEADING_COMMENTS = re.compile(r"^\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*", re.S)
DATA_CHANGE = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.I)
ROW_LOCK = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b", re.I)
WRITTEN_TABLE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)


def written_table(sql: str) -> str:
    """The table an INSERT, UPDATE or DELETE statement writes."""
    match = WRITTEN_TABLE.match(sql)
    assert match is not None, sql
    return match[1]


def is_write(sql: str) -> bool:
    statement = LEADING_COMMENTS.sub("", sql)
    first = statement.split(None, 1)[0].upper() if statement.strip() else ""
    if first in WRITE_STATEMENTS:
        return True
    if first == "COPY":
        return " FROM " in statement.upper()
    if first == "WITH":
        return bool(DATA_CHANGE.search(statement))
    # A row lock is taken only to write the rows next: a read has no use for one.
    return first == "SELECT" and bool(ROW_LOCK.search(statement))


def rows_changed() -> int:
    """The database's own count of rows written so far by this connection (SQLite) or in
    this transaction (PostgreSQL), whichever cursor wrote them."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return int(connection.connection.total_changes)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                " FROM pg_stat_xact_user_tables"
            )
            return int(cursor.fetchone()[0])
    raise NotImplementedError(f"No row counter for {connection.vendor}")


@dataclass
class Observed:
    response: HttpResponse
    writes: list[str]
    rows: int


def observe(client: Client, url: str) -> Observed:
    before = rows_changed()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            # A streamed body runs its queries as it is read: read it here.
            b"".join(response.streaming_content)
    rows = rows_changed() - before
    writes = [query["sql"] for query in queries.captured_queries if is_write(query["sql"])]
    return Observed(response, writes, rows)


def logged_in_as(user: User | None) -> Client:
    # A 500 is reported with the others rather than raised at the first.
    client = Client(raise_request_exception=False)
    if user is not None:
        # Before any capture: the login's own session write is not the page's.
        client.force_login(user)
    return client


def problems_of(observed: Observed, url: str, role: str) -> list[str]:
    where = f"GET {url} as {role}"
    problems = [f"{where} wrote: {sql}" for sql in observed.writes]
    if observed.rows and not observed.writes:
        problems.append(f"{where} changed {observed.rows} row(s) outside Django's SQL log")
    status = observed.response.status_code
    if status >= 500:
        exc_info = getattr(observed.response, "exc_info", None)
        error = "".join(traceback.format_exception(*exc_info)[-3:]) if exc_info else ""
        problems.append(f"{where} answered {status}\n{error}")
    return problems


# --- The tests ------------------------------------------------------------------------


@pytest.fixture
def world(db, settings) -> World:
    # Fewer bootstrap draws: the intervals' precision is not what is tested here.
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 20
    settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES = 20
    return build_world()


def test_every_url_pattern_is_filled():
    """A new URL pattern needs an entry in FILLERS (or is one of the admin's per-model
    pages), and every entry still names a pattern."""
    keys = {pattern.key for pattern in url_patterns()}
    assert not unfilled_patterns(), (
        "No way to fill these URL patterns; add them to FILLERS: "
        + ", ".join(pattern.key for pattern in unfilled_patterns())
    )
    assert not set(FILLERS) - keys, f"FILLERS names patterns that are gone: {set(FILLERS) - keys}"


# A page each role can see, so a login that did not take cannot pass unnoticed (as a run
# of redirects to the login page, which write nothing either).
SEEN_BY = {
    "anonymous": "questions:list",
    "forecaster": "forecasts:record",
    "analyst": "scoring:calibration",
    "staff": "admin:index",
}


@pytest.mark.parametrize("role", ROLES)
def test_no_get_writes_or_fails(world, role):
    client = logged_in_as(world.user(role))
    planned = planned_requests(world)
    problems, statuses = [], {}
    for _pattern, url in planned:
        observed = observe(client, url)
        statuses[url] = observed.response.status_code
        problems += problems_of(observed, url, role)
    assert not problems, f"{len(problems)} of {len(planned)} GETs as {role}:\n" + "\n".join(
        problems
    )
    seen = reverse(SEEN_BY[role])
    assert statuses[seen] == 200, f"{role} cannot see {seen}: the login did not take"


@pytest.mark.parametrize("role", ROLES)
def test_password_reset_link_writes_only_the_session(db, role):
    """Django's password reset link (PasswordResetConfirmView) is the one GET that writes,
    by design: it moves the token from the URL into the session and redirects to a URL
    without it, so the token cannot leak through the Referer header. That write, to the
    session table and nowhere else, is allowed; the form it redirects to writes nothing."""
    forecaster = UserFactory(username="alice")
    users = {
        "anonymous": None,
        "forecaster": forecaster,
        "analyst": analyst_user("ana"),
        "staff": StaffFactory(username="root-admin", is_superuser=True),
    }
    client = logged_in_as(users[role])
    uid = urlsafe_base64_encode(force_bytes(forecaster.pk))
    link = reverse(
        "password_reset_confirm",
        kwargs={"uidb64": uid, "token": default_token_generator.make_token(forecaster)},
    )

    followed = observe(client, link)

    assert followed.response.status_code == 302
    form_url = followed.response["Location"]
    assert form_url.endswith("/set-password/")
    tables = {written_table(sql) for sql in followed.writes}
    assert tables == {"django_session"}, followed.writes
    assert followed.rows <= len(followed.writes), "rows written outside the session"
    form = observe(client, form_url)
    assert form.response.status_code == 200
    assert form.response.context["validlink"]
    assert (form.writes, form.rows) == ([], 0)
