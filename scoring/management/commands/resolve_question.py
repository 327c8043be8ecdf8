"""`manage.py resolve_question SLUG OUTCOME --known-at ISO8601`: resolve a
question, or correct its resolution, as a staff user. Scoring is queued when the
resolution commits; --score-now also scores in this process (no worker needed)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from accounts.models import User
from questions.models import Question
from questions.services import RESOLUTION_OUTCOMES, question_resolve
from scoring.services import question_score


def validation_message(error: ValidationError) -> str:
    """One line per problem, each naming its field, as the service gave them."""
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Resolve a question (or correct its resolution) and queue its scoring."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        # Not argparse `choices`: a bad outcome should fail like every other
        # error here (CommandError, exit 1), with the service's own message.
        parser.add_argument("outcome", help=" | ".join(RESOLUTION_OUTCOMES))
        parser.add_argument(
            "--known-at",
            required=True,
            help="When the outcome became known, ISO 8601 with an offset, e.g. 2026-01-31T12:00Z.",
        )
        parser.add_argument("--note", default="")
        parser.add_argument(
            "--evidence", nargs="+", default=[], metavar="URL", help="Evidence links."
        )
        parser.add_argument(
            "--as",
            dest="as_username",
            metavar="USERNAME",
            help="The staff user resolving (default: the first active superuser).",
        )
        parser.add_argument(
            "--score-now",
            action="store_true",
            help="Also score the question here, without waiting for a worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        question = Question.objects.filter(slug=slug).first()
        if question is None:
            raise CommandError(f"No question with slug {slug!r}.")
        known_at = self._known_at(options["known_at"])
        resolver = self._resolver(options["as_username"])
        previous = question.resolution
        try:
            event = question_resolve(
                question=question,
                outcome=options["outcome"],
                known_at=known_at,
                resolved_by=resolver,
                note=options["note"],
                evidence_links=options["evidence"],
            )
        except ValidationError as error:
            raise CommandError(f"{slug}: not resolved. {validation_message(error)}") from None
        what = (
            f"corrected (was {previous}), now {event.outcome}"
            if previous
            else (f"resolved as {event.outcome}")
        )
        self.stdout.write(
            f"{slug}: {what}, known at {event.known_at.isoformat()} "
            f"(event {event.pk}, by {resolver.username}); scoring has been queued."
        )
        if options["score_now"]:
            outcome = question_score(question_id=question.pk)
            self.stdout.write(
                f"{slug}: scored {outcome.forecasts_scored} forecasts by "
                f"{outcome.users_scored} users ({outcome.rows_written} score rows)."
            )

    def _known_at(self, value: str) -> Any:
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
        if moment is None:
            raise CommandError(
                f"--known-at: {value!r} is not an ISO 8601 date-time (e.g. 2026-01-31T12:00Z)."
            )
        # A naive time goes on to the service, which refuses it by name.
        return moment

    def _resolver(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"--as: no active user {username!r}.")
            if not user.is_staff:
                raise CommandError(f"--as: {username!r} is not staff; only staff can resolve.")
            return user
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError(
                "No active superuser to resolve as: run `manage.py ensure_admin` "
                "or pass --as USERNAME."
            )
        return user
