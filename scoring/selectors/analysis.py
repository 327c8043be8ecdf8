"""Reads for the analysts' pages."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from questions.models import Question


def resolved_questions_for_analysis(
    *, search: str = "", tag: str = "", article: str = ""
) -> QuerySet[Question]:
    """Published questions resolved yes or no (the scored ones), the most recently known
    outcome first, each with its scoring run (how many forecasters were scored)."""
    questions = (
        Question.objects.published()
        .filter(resolution__in=[Question.Resolution.YES, Question.Resolution.NO])
        .select_related("scoring", "article")
    )
    if search:
        questions = questions.filter(Q(title__icontains=search) | Q(slug__icontains=search))
    if tag:
        questions = questions.filter(tags__slug=tag)
    if article:
        questions = questions.filter(article__slug=article)
    return questions.order_by(F("known_at").desc(nulls_last=True), "-id")
