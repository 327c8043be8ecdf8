from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from common import likelihood


class Outlet(models.Model):
    """Where articles appear: a newspaper, a think tank, a journal. Its articles' claims
    make up its track record."""

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """Someone whose words are tracked: an article's author or an expert it quotes (a
    "speaker" of a claim). One record per person across articles, so a track record
    gathers everything they said."""

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    affiliation = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """An analysis article whose predictions become questions."""

    class DatePrecision(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"
        YEAR = "year", "Year"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    outlet = models.ForeignKey(
        Outlet, null=True, blank=True, on_delete=models.PROTECT, related_name="articles"
    )
    authors = models.ManyToManyField(
        Person, through="ArticleAuthor", related_name="articles_written", blank=True
    )
    publication_date = models.DateField()
    # Some pages give only a year: the date is then the first day of it, and
    # the page says "2023" instead of pretending to know the day.
    publication_date_precision = models.CharField(
        max_length=8, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    url = models.URLField(max_length=500, blank=True)
    text = models.TextField()
    # A claim's passage is found at its offsets in this text; the digest shows the
    # text is the one the offsets were taken from.
    text_sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-publication_date", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.text_sha256 = text_digest(self.text)
        if kwargs.get("update_fields") is not None and "text" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "text_sha256"}
        super().save(*args, **kwargs)

    @property
    def author(self) -> str:
        """The byline: the authors' names in order, as one line."""
        return ", ".join(person.name for person in self.authors.all())

    @property
    def publication_date_display(self) -> str:
        if self.publication_date_precision == self.DatePrecision.YEAR:
            return str(self.publication_date.year)
        if self.publication_date_precision == self.DatePrecision.MONTH:
            return self.publication_date.strftime("%B %Y")
        return self.publication_date.strftime("%-d %B %Y")


class ArticleAuthor(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "person"], name="article_author_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.article})"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Tag(models.Model):
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Project(models.Model):
    """A tournament or project: a named set of questions with a leaderboard of its own."""

    class Kind(models.TextChoices):
        TOURNAMENT = "tournament", "Tournament"
        PROJECT = "project", "Project"

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PROJECT)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QuestionQuerySet(models.QuerySet["Question"]):
    """Status is derived from the times and the resolution, never stored: these
    filters are the SQL form of `Question.status_at`."""

    def published(self) -> QuestionQuerySet:
        return self.filter(published_at__isnull=False)

    def drafts(self) -> QuestionQuerySet:
        return self.filter(published_at__isnull=True)

    def visible_to(self, user: object) -> QuestionQuerySet:
        """Drafts are seen only by staff, who preview them before publishing."""
        if getattr(user, "is_staff", False):
            return self
        return self.published()

    def resolved(self) -> QuestionQuerySet:
        return self.exclude(resolution="")

    def unresolved(self) -> QuestionQuerySet:
        return self.filter(resolution="")

    def upcoming(self, now: datetime | None = None) -> QuestionQuerySet:
        now = now or timezone.now()
        return self.unresolved().filter(open_time__gt=now)

    def open(self, now: datetime | None = None) -> QuestionQuerySet:
        now = now or timezone.now()
        return self.unresolved().filter(open_time__lte=now, scheduled_close_time__gt=now)

    def closed(self, now: datetime | None = None) -> QuestionQuerySet:
        now = now or timezone.now()
        return self.unresolved().filter(scheduled_close_time__lte=now)

    def with_status(self, status: str, now: datetime | None = None) -> QuestionQuerySet:
        if status == Question.Status.RESOLVED:
            return self.resolved()
        return {
            Question.Status.UPCOMING: self.upcoming,
            Question.Status.OPEN: self.open,
            Question.Status.CLOSED: self.closed,
        }[Question.Status(status)](now)


class Question(models.Model):
    class Type(models.TextChoices):
        BINARY = "binary", "Binary"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        NUMERIC = "numeric", "Numeric"

    class Resolution(models.TextChoices):
        NONE = "", "Unresolved"
        YES = "yes", "Yes"
        NO = "no", "No"
        AMBIGUOUS = "ambiguous", "Ambiguous"
        ANNULLED = "annulled", "Annulled"

    class Status(models.TextChoices):
        UPCOMING = "upcoming", "Upcoming"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        RESOLVED = "resolved", "Resolved"

    class ProvenanceLink(models.TextChoices):
        DIRECT = "direct", "Direct: measures the claim over its horizon"
        PROXY = "proxy", "Proxy: measures something that stands for the claim"
        SUCCESSOR = "successor", "Successor: the claim's question over a later window"

    class ProvenanceDirection(models.TextChoices):
        YES = "yes", "The claim speaks for Yes"
        NO = "no", "The claim speaks for No"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.BINARY)
    background = models.TextField(blank=True)
    resolution_criteria = models.TextField()
    fine_print = models.TextField(blank=True)
    resolution_source = models.TextField(
        blank=True, help_text="The public source that settles the question."
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    projects = models.ManyToManyField(Project, blank=True, related_name="questions")
    hide_community_until_forecast = models.BooleanField(
        default=False,
        help_text=(
            "Keep the community forecast from forecasters until they have forecast "
            "(anti-anchoring); shown to everyone once the question closes."
        ),
    )

    open_time = models.DateTimeField()
    scheduled_close_time = models.DateTimeField()
    scheduled_resolve_time = models.DateTimeField()
    # The latest resolution event, copied here so lists can filter on it; the
    # events themselves are the record (see ResolutionEvent).
    resolution = models.CharField(
        max_length=16, choices=Resolution.choices, default=Resolution.NONE, blank=True
    )
    known_at = models.DateTimeField(null=True, blank=True)
    resolution_set_at = models.DateTimeField(null=True, blank=True)

    # Set once by the close task when the question passes its scheduled close:
    # it freezes the community forecast at close. Status never depends on it.
    close_processed_at = models.DateTimeField(null=True, blank=True)
    community_at_close = models.FloatField(null=True, blank=True)
    forecasters_at_close = models.PositiveIntegerField(null=True, blank=True)

    # Provenance: where the question came from.
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )
    source_passage = models.TextField(blank=True)
    implied_probability_low = models.FloatField(null=True, blank=True)
    implied_probability_high = models.FloatField(null=True, blank=True)
    # A likelihood table's key (common/data/likelihood_tables.yaml): the choices are
    # read from the data file, so adding a table needs no migration.
    implied_probability_table = models.CharField(
        max_length=16, choices=likelihood.question_table_choices, blank=True
    )
    implied_probability_term = models.CharField(max_length=120, blank=True)
    # How the question tracks the article's claim: `direct` measures the claim itself
    # over its own horizon and scores the article; a `proxy` (another measure) or a
    # `successor` (another window) only refers to it.
    provenance_link = models.CharField(
        max_length=12, choices=ProvenanceLink.choices, default=ProvenanceLink.DIRECT
    )
    # Whether the claim speaks for this question's Yes or its No. The implied range
    # above is always the probability of Yes.
    provenance_direction = models.CharField(
        max_length=3, choices=ProvenanceDirection.choices, default=ProvenanceDirection.YES
    )
    successor_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successors"
    )

    # None while the question is a draft: hidden from forecasters and the API,
    # previewed by staff, and taking no forecasts or resolutions until published.
    published_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_close_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(open_time__lt=models.F("scheduled_close_time")),
                name="question_opens_before_close",
            ),
            models.CheckConstraint(
                condition=Q(scheduled_close_time__lte=models.F("scheduled_resolve_time")),
                name="question_closes_before_resolve",
            ),
            models.CheckConstraint(
                condition=(
                    Q(implied_probability_low__isnull=True)
                    | Q(
                        implied_probability_low__gte=0,
                        implied_probability_high__lte=1,
                        implied_probability_low__lte=models.F("implied_probability_high"),
                    )
                ),
                name="question_implied_probability_range",
            ),
        ]
        indexes = [models.Index(fields=["resolution", "scheduled_close_time"])]

    def __str__(self) -> str:
        return self.title

    @property
    def actual_close_time(self) -> datetime:
        """SCORING.md §1: the outcome can become known before the scheduled close."""
        if self.known_at is not None and self.known_at < self.scheduled_close_time:
            return self.known_at
        return self.scheduled_close_time

    def status_at(self, now: datetime) -> Question.Status:
        if self.resolution:
            return self.Status.RESOLVED
        if now < self.open_time:
            return self.Status.UPCOMING
        if now < self.scheduled_close_time:
            return self.Status.OPEN
        return self.Status.CLOSED

    @property
    def status(self) -> Question.Status:
        return self.status_at(timezone.now())

    def is_open_at(self, now: datetime) -> bool:
        return self.status_at(now) == self.Status.OPEN

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    @property
    def is_scorable(self) -> bool:
        return self.resolution in (self.Resolution.YES, self.Resolution.NO)

    @property
    def implied_probability_display(self) -> str:
        if self.implied_probability_low is None or self.implied_probability_high is None:
            return ""
        low = round(self.implied_probability_low * 100)
        high = round(self.implied_probability_high * 100)
        return f"{low}%" if low == high else f"{low}–{high}%"


class ResolutionEvent(models.Model):
    """Every resolution and correction, kept forever; the latest one wins."""

    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="resolution_events"
    )
    # The resolutions but "unresolved".
    OUTCOME_CHOICES = [c for c in Question.Resolution.choices if c[0]]

    outcome = models.CharField(max_length=16, choices=OUTCOME_CHOICES)
    known_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="resolution_events"
    )
    note = models.TextField(blank=True)
    evidence_links = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        get_latest_by = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.question.slug}: {self.outcome} (known {self.known_at:%Y-%m-%d %H:%M})"


class Clarification(models.Model):
    """A note appended to a question after it opened: it explains the
    criteria, never rewrites them. Kept forever and shown with its time."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="clarifications")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clarifications"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.question.slug}: clarification of {self.created_at:%Y-%m-%d %H:%M}"
