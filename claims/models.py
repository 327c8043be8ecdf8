from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q

from questions.models import Article, Person, Question


class Claim(models.Model):
    """A forecast-like statement in an article: its verbatim passage at its offsets in
    the article's stored text, who said it, the likelihood its wording implies and the
    table that gave it, and the horizon as written and as dates.

    A claim is proposed (found by the extractor, awaiting review), accepted, or
    dismissed with a reason. An accepted claim is tracked while one or more questions
    link to it (`ClaimLink`), untracked otherwise."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    class Tracking(models.TextChoices):
        """Where a claim stands, derived from its status and its published links (a
        draft's link tracks nothing until the draft is published)."""

        PROPOSED = "proposed", "Proposed (awaiting review)"
        UNTRACKED = "untracked", "Untracked"
        TRACKED = "tracked", "Tracked"
        DISMISSED = "dismissed", "Dismissed"

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="claims")
    passage = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    speaker = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    # The likelihood expression as written ("increasingly probable", "a 60 % chance")
    # and the range of the claim's own event it implies, from `table` (a likelihood
    # table's key, or "number" for a stated figure).
    expression = models.CharField(max_length=200, blank=True)
    low = models.FloatField(null=True, blank=True)
    high = models.FloatField(null=True, blank=True)
    table = models.CharField(max_length=40, blank=True)
    # The horizon as written ("within six months") and as dates, anchored on the
    # article's publication date.
    horizon_text = models.CharField(max_length=200, blank=True)
    horizon_start = models.DateField(null=True, blank=True)
    horizon_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACCEPTED)
    dismissed_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["article", "start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="claim_span"),
            models.CheckConstraint(
                condition=Q(low__isnull=True, high__isnull=True)
                | Q(low__gte=0, high__lte=1, low__lte=models.F("high")),
                name="claim_range",
            ),
            models.UniqueConstraint(
                fields=["article", "start", "end"],
                condition=~Q(status="dismissed"),
                name="claim_span_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article.slug}: {self.passage[:60]}"

    @property
    def tracking(self) -> str:
        """proposed, untracked, tracked or dismissed. Reads `links` and their questions:
        prefetch them (with the question) for a list, or each claim costs a query."""
        if self.status != Claim.Status.ACCEPTED:
            return self.status  # proposed and dismissed are spelled alike in both
        if any(link.question.published_at is not None for link in self.links.all()):
            return Claim.Tracking.TRACKED
        return Claim.Tracking.UNTRACKED

    @staticmethod
    def tracking_filter(tracking: str) -> Q:
        """The claims whose `tracking` is the given value, as one condition."""
        if tracking in (Claim.Tracking.PROPOSED, Claim.Tracking.DISMISSED):
            return Q(status=tracking)
        published = Exists(
            ClaimLink.objects.filter(claim=OuterRef("pk"), question__published_at__isnull=False)
        )
        if tracking == Claim.Tracking.TRACKED:
            return Q(published, status=Claim.Status.ACCEPTED)
        return Q(~published, status=Claim.Status.ACCEPTED)


class ArticleForecaster(models.Model):
    """The system user an article's direct claims are scored as, named `article:<slug>`
    (the user column of `export_scores`). It cannot log in; scoring gives it a constant
    forecast per directly linked question and keeps it out of the crowd, as it does the
    community forecast's user."""

    article = models.OneToOneField(Article, on_delete=models.PROTECT, related_name="forecaster")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="article_forecaster"
    )

    def __str__(self) -> str:
        return f"article:{self.article.slug}"


class ClaimLink(models.Model):
    """A question that tracks a claim. `direct` links (the question measures the claim
    over its own horizon) are scored as the article's forecast on the question; `proxy`
    and `successor` links only refer to the claim. `direction` says whether the claim
    speaks for the question's Yes or its No."""

    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct"
        PROXY = "proxy", "Proxy"
        SUCCESSOR = "successor", "Successor"

    class Direction(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="links")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="claim_links")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.DIRECT)
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.YES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question", "claim"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "question"], name="claim_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} -> {self.question_id} ({self.kind}, {self.direction})"
