"""Every operation of the OpenAPI schema, fuzzed in-process with schemathesis as each role
(anonymous, a forecaster and staff, both by token): requests generated from the schema,
valid and invalid, sent to the project's WSGI application, and each response held to the
schema. A 5xx, a status code the schema does not list, an undocumented content type or a
body that does not match its schema fails the test, naming the operation and the role,
with a curl command that replays the request.

How it runs, and why:

- The schema is loaded from `/api/schema/` through the WSGI app when this module is
  collected (generating it reads no database), and `schema.parametrize()` makes one test
  per operation and role. Each runs schemathesis's phases for its operation: the
  schema's examples, the coverage phase (boundary values, missing, empty and wrongly
  typed parameters, bodies of the wrong media type, undeclared methods: one case each)
  and FUZZ_EXAMPLES generated cases, valid and invalid. The lazy loader
  (`schemathesis.pytest.from_fixture`) would let a fixture build the schema, but it
  reads a pytest attribute that pytest 9.2 no longer has.
- A small world is built once for the module, in a transaction rolled back at its end;
  each test's transaction nests in it, and each case runs in a savepoint that is rolled
  back, so what one case writes (a forecast, a resolution, an import, a user) is gone
  before the next.
- Cases reach past the 404s: about half the generated slugs, ids, scopes, logins and
  texts are the world's (schemathesis's dictionaries, VALUES); in the coverage phase
  every valid path, and every other valid query and body, takes them in turn
  (`into_the_world`); every other valid upload is a real question document or forecast
  file.
- What a case commits reaches the pipeline's handlers (the on-commit callbacks run inside
  the savepoint); the tasks they queue are recorded by the `queued` and `enqueued`
  fixtures, and a task that would reach a broker fails the test.
- Django's test client disconnects `close_old_connections` from the request signals;
  `connection_kept` does too, or on PostgreSQL the WSGI handler would close the test's
  connection, and its transaction, at the end of the first request.

The run is derandomized, so CI sees the same cases every time. For a longer hunt, raise
FUZZ_EXAMPLES to a few hundred, set `derandomize=False` and pass `--hypothesis-seed=N`
(on PostgreSQL as well); what it finds gets a focused test in tests/api, as a
well-formed time that does not exist and a number sent as text did.

Checks: schemathesis's defaults (not_a_server_error, status_code_conformance,
content_type_conformance, response_headers_conformance, response_schema_conformance,
negative_data_rejection, ignored_auth; in the coverage phase also
missing_required_header, unsupported_method and allow_header_conformance) but one:
positive_data_acceptance is off, because a request the schema allows may rightly be
refused with a 400: a question slug that does not exist or is not open, a wrong or too
common password, a file that is not UTF-8 YAML or CSV. A schema cannot say which slugs
exist. use_after_free, ensure_resource_availability and object_level_authorization
follow resources across requests: they need schemathesis's stateful runner, which this
test does not use, and have nothing to do on a single case.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest

schemathesis = pytest.importorskip(
    "schemathesis",
    reason="schemathesis is not installed: pip install -e '.[test]' (it is in the test extra)",
)

from celery.app.task import Task  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, transaction  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from claims.models import Claim  # noqa: E402
from claims.services.review import ClaimEdit, claim_create  # noqa: E402
from config.wsgi import application  # noqa: E402
from forecasts.models import Forecast  # noqa: E402
from forecasts.services import forecast_submit, questions_close_due  # noqa: E402
from questions.models import Project, Question, Tag  # noqa: E402
from questions.services import question_resolve  # noqa: E402
from scoring.services import question_score, scopes_rebuild_dirty  # noqa: E402
from scoring.services.community import community_update  # noqa: E402
from tests.factories import (  # noqa: E402
    ArticleFactory,
    ForecastFactory,
    QuestionFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

ROLES = ("anonymous", "forecaster", "staff")
# Generated cases per operation and role in the fuzzing phase (64 operations, 3 roles:
# 1,920); the examples and coverage phases add some thousands of their own, and cost most
# of the test's time.
FUZZ_EXAMPLES = 10
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
# resolved-q's window; its outcome became known on RESOLVED_ON.
RESOLVED_ON = datetime(2025, 3, 10, 12, tzinfo=UTC)
OPENED = RESOLVED_ON - timedelta(days=30)
# Stand-ins for a forecast id, replaced by the world's (ids differ between databases).
MY_FORECAST, THEIR_FORECAST = -1, -2
# And for a claim's id: the world's accepted and proposed claims.
ACCEPTED_CLAIM, PROPOSED_CLAIM = -3, -4

# The world's names and texts: schemathesis's dictionaries draw them for about half the
# parameters and fields bound in BINDINGS, where they fit the schema (an invalid case
# keeps its invalid value).
VALUES: dict[str, list[Any]] = {
    "slugs": [
        "open-q",
        "resolved-q",
        "hidden-q",
        "upcoming-q",
        "fractured-pillar",
        "dr-emily-carter",
        "example-outlet",
    ],
    "forecasts": [MY_FORECAST, THEIR_FORECAST, ACCEPTED_CLAIM, PROPOSED_CLAIM],
    "scopes": [
        "all",
        "tag:nuclear",
        "user:alice",
        "article:fractured-pillar",
        "group:superforecasters",
        "project:summit-2026",
        f"year:{RESOLVED_ON.year}",
        "user:bob",
    ],
    "within": ["tag:nuclear", "article:fractured-pillar", "project:summit-2026"],
    "tags": ["nuclear"],
    "articles": ["fractured-pillar"],
    "outlets": ["example-outlet"],  # the world article's (tests.factories.OutletFactory)
    "words": ["event", "open event", "resolved"],
    "usernames": ["alice", "dave"],
    "passwords": [PASSWORD, "a-long-unusual-passphrase-42"],
    "emails": ["dave@example.org"],
    "moments": [(RESOLVED_ON - timedelta(days=2)).isoformat()],
    "texts": ["Reported by the ROK JCS.", "Talks stalled."],
    "links": ["https://example.org/report"],
    "speakers": ["dr-emily-carter"],
    "passages": ["The open event is likely."],
}
BINDINGS = {
    "path.slug": "slugs",
    "path.id": "forecasts",
    "query.question": "slugs",
    "query.scope": "scopes",
    "query.within": "within",
    "query.tag": "tags",
    "query.article": "articles",
    "query.outlet": "outlets",
    "query.search": "words",
    "query.since": "moments",
    "body.question": "slugs",
    "body.username": "usernames",
    "body.password": "passwords",
    "body.email": "emails",
    "body.known_at": "moments",
    "body.note": "texts",
    "body.rationale": "texts",
    "body.evidence_links[*]": "links",
    "body.article": "articles",
    "query.speaker": "speakers",
    "body.passage": "passages",
    "body.reason": "texts",
}
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",
            # Each role's credentials are given with the request; generated ones would
            # only be tokens that do not exist.
            "with-security-parameters": False,
        },
        "checks": {"positive_data_acceptance": {"enabled": False}},
        "phases": {"stateful": {"enabled": False}},
        "dictionaries": {name: {"values": values} for name, values in VALUES.items()},
        "parameters": {
            key: {"dictionary": name, "probability": 0.5} for key, name in BINDINGS.items()
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

# Real files for the imports: a new question (with its article), forecasts on the world's
# open and resolved questions (the resolved one's scores go stale and are queued again).
QUESTIONS_DOCUMENT = {
    "articles": [
        {
            "slug": "summit-preview",
            "title": "The Summit Preview",
            "publication_date": "2026-01-05",
            "text": "The leaders will probably meet.",
        }
    ],
    "questions": [
        {
            "slug": "imported-q",
            "title": "Will the leaders meet by {close_date}?",
            "type": "binary",
            "open_time": "2030-01-01T00:00:00Z",
            "scheduled_close_time": "2030-07-01T00:00:00Z",
            "scheduled_resolve_time": "2030-08-01T00:00:00Z",
            "resolution_criteria": "Resolves yes if the leaders meet.",
            "tags": ["nuclear"],
            "provenance": {"article": "summit-preview", "passage": "will probably meet"},
        }
    ],
}
FORECASTS_FILE = (
    "question,user,probability,created_at,rationale\n"
    f"resolved-q,dave,0.7,{(OPENED + timedelta(days=3)).isoformat()},imported\n"
    f"resolved-q,alice,0.2,{(OPENED + timedelta(days=4)).isoformat()},\n"
)
UPLOADS = {
    "/api/staff/import/questions/": json.dumps(QUESTIONS_DOCUMENT).encode(),
    "/api/staff/import/forecasts/": FORECASTS_FILE.encode(),
}

CASES: Counter[tuple[str, str]] = Counter()


@dataclass(frozen=True)
class World:
    tokens: dict[str, str]
    forecasts: dict[int, int]

    def headers(self, role: str) -> dict[str, str]:
        # schemathesis's WSGI transport asks for gzip, as `requests` does, but does not
        # decompress what it gets (the community history is gzipped; its own tests read
        # it compressed).
        headers = {"Accept-Encoding": "identity"}
        if role in self.tokens:
            headers["Authorization"] = f"Token {self.tokens[role]}"
        return headers


def build_world() -> World:
    """Through the services, as the site and its tasks would: an open question with
    forecasts and its community history, one that hides the community forecast until
    you forecast, one not open yet, one resolved yes and scored; the leaderboards and
    calibration tables rebuilt; forecasters (two in a group) and staff with tokens, a
    tag, an article, a project."""
    now = timezone.now()
    staff = StaffFactory(username="root-admin")
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    Group.objects.create(name="superforecasters").user_set.add(alice, bob)
    tag = Tag.objects.create(slug="nuclear")
    project = Project.objects.create(slug="summit-2026", name="Summit 2026")
    article = ArticleFactory(
        slug="fractured-pillar",
        title="The Fractured Pillar",
        text="An escalation could follow. The open event is likely.",
    )

    def question(slug: str, opened: datetime, *, days: int, **fields: Any) -> Question:
        made = QuestionFactory(
            slug=slug,
            title=f"Will the {slug.removesuffix('-q')} event happen?",
            open_time=opened,
            scheduled_close_time=opened + timedelta(days=days),
            article=article,
            source_passage="The open event is likely.",
            **fields,
        )
        made.tags.add(tag)
        made.projects.add(project)
        step = (min(now, made.scheduled_close_time) - opened) / 5
        for number, (user, probability) in enumerate(
            [(alice, 0.3), (bob, 0.6), (carol, 0.8), (alice, 0.45)], start=1
        ):
            ForecastFactory(
                user=user, question=made, probability=probability, created_at=opened + step * number
            )
        return made

    open_q = question("open-q", now - timedelta(days=10), days=40)
    question("hidden-q", now - timedelta(days=10), days=40, hide_community_until_forecast=True)
    QuestionFactory(slug="upcoming-q", open_time=now + timedelta(days=2))
    resolved = question("resolved-q", OPENED, days=20)
    mine = forecast_submit(
        user=alice, question=open_q, probability=0.55, rationale="Talks stalled.",
        origin=Forecast.Origin.API,
    )  # fmt: skip
    theirs = Forecast.objects.get(user=bob, question=open_q)
    questions_close_due()
    question_resolve(
        question=resolved,
        outcome="yes",
        known_at=resolved.scheduled_close_time - timedelta(hours=1),
        resolved_by=staff,
        note="Reported by the ROK JCS.",
        evidence_links=["https://example.org/report"],
    )
    question_score(question_id=resolved.pk)
    # Claims of the article: one accepted (its speaker quoted), one proposed.
    accepted = claim_create(
        article_id=article.pk,
        edit=ClaimEdit(passage="The open event is likely.", speaker="Dr. Emily Carter"),
        created_by=staff,
    )
    proposed = Claim.objects.create(
        article=article, passage="An escalation could follow.", start=0, end=27,
        status=Claim.Status.PROPOSED,
    )  # fmt: skip
    for forecast_on in (open_q, resolved):
        community_update(question_id=forecast_on.pk)
    scopes_rebuild_dirty()
    return World(
        tokens={
            "forecaster": Token.objects.create(user=alice).key,
            "staff": Token.objects.create(user=staff).key,
        },
        forecasts={
            MY_FORECAST: mine.pk,
            THEIR_FORECAST: theirs.pk,
            ACCEPTED_CLAIM: accepted.pk,
            PROPOSED_CLAIM: proposed.pk,
        },
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once, in a transaction rolled back after the module's last test; each test's
    own transaction (the `db` fixture) nests inside it. Fewer bootstrap replicates: the
    intervals' width is not under test here."""
    with (
        django_db_blocker.unblock(),
        override_settings(FORESEER_BOOTSTRAP_RESAMPLES=50, FORESEER_LIVE_BOOTSTRAP_RESAMPLES=50),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """The WSGI handler closes "old" connections when a request starts and finishes;
    inside a test's transaction that is the test's own connection (PostgreSQL). Django's
    test client disconnects the handler for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def no_broker() -> Iterator[list[str]]:
    """The tasks a case queues are recorded by the `queued` and `enqueued` fixtures; any
    other would be sent to the broker, and is recorded here instead."""
    sent: list[str] = []

    def refuse(task: Task, *args: Any, **kwargs: Any) -> None:
        sent.append(task.name)

    with mock.patch.object(Task, "apply_async", autospec=True, side_effect=refuse):
        yield sent


def into_the_world(case: Any, world: World, turn: int) -> None:
    """The coverage phase's cases address the world: a valid path takes the world's slugs
    or forecast ids in turn, so a case about the body reaches a real question, and on
    every other case a valid query or body takes its scopes, logins and texts (the
    fuzzing phase draws these itself, from the dictionaries). Every other valid upload
    is a real file. Then the forecast id stand-ins become the world's ids."""
    meta = case.meta
    if meta is not None:
        coverage = meta.phase.name.value == "coverage"
        parts = {"path": case.path_parameters, "query": case.query, "body": case.body}
        for location, values in parts.items():
            if not isinstance(values, dict) or meta.is_negative_at(location):
                continue
            if turn % 2 == 0 and "file" in values and case.operation.path in UPLOADS:
                values["file"] = UPLOADS[case.operation.path]
            if coverage and (location == "path" or turn % 2 == 0):
                for name in values:
                    choices = VALUES.get(BINDINGS.get(f"{location}.{name}", ""))
                    if choices:
                        values[name] = choices[turn % len(choices)]
        if (
            turn % 2 == 0
            and case.operation.path == "/api/staff/import/questions/"
            and case.media_type == "application/json"
            and not meta.is_negative_at("body")
        ):
            case.body = QUESTIONS_DOCUMENT
    if case.path_parameters and case.path_parameters.get("id") in world.forecasts:
        case.path_parameters["id"] = world.forecasts[case.path_parameters["id"]]


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # Explicit examples (the schema's and the coverage phase's) and generated cases, no
    # shrinking: a failure names its request, and shrinking it could take minutes.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[
        # Each case is a request through the whole app, and the schema's bodies are
        # large: both are slow next to what Hypothesis expects of a strategy.
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        # The fixtures hold for the whole test on purpose; each case rolls back.
        HealthCheck.function_scoped_fixture,
    ],
)
def test_operation_as_role(
    case, role, world, connection_kept, no_broker, django_capture_on_commit_callbacks
):
    turn = CASES[(case.operation.label, role)]
    CASES[(case.operation.label, role)] += 1
    into_the_world(case, world, turn)
    with transaction.atomic():
        with django_capture_on_commit_callbacks(execute=True):
            case.call_and_validate(headers=world.headers(role))
        transaction.set_rollback(True)
    assert not no_broker, f"sent to the broker: {no_broker}"
