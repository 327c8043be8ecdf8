"""Existing questions' provenance becomes claims, as `claims.services.provenance` makes
them for every import since: for each question with an article and a passage found in the
article's text, an accepted claim holding the verbatim passage at its offsets (questions
quoting one passage share it), the implied range of the claim's own event (the question's
range when the claim speaks for Yes, its mirror when for No), the term and table, the
horizon from the publication date to a direct question's close, and a link of the
provenance's kind and side; and for each article with a direct link, the system user its
claims are scored as (`article:<slug>`, not active, no usable password). The speaker is
left to the byline. Written with the historical models, so it stays as it is whatever the
service becomes; run twice, it adds nothing."""

import re
import unicodedata

from django.db import migrations

_EQUIVALENT = {
    "'": "['‘’]",
    "‘": "['‘’]",
    "’": "['‘’]",
    '"': '["“”]',
    "“": '["“”]',
    "”": '["“”]',
    "-": "[-–—]",
    "–": "[-–—]",
    "—": "[-–—]",
}


def _locate(text, passage):
    passage = (passage or "").strip()
    if not passage:
        return None
    start = text.find(passage)
    if start >= 0:
        return start, start + len(passage)
    words = passage.split()
    pattern = r"\s+".join(
        "".join(_EQUIVALENT.get(char, re.escape(char)) for char in word) for word in words
    )
    match = re.search(pattern, text)
    return match.span() if match else None


def _claim_range(question):
    low, high = question.implied_probability_low, question.implied_probability_high
    if low is None or high is None:
        return None, None
    if question.provenance_direction == "no":
        return round(1.0 - high, 12), round(1.0 - low, 12)
    return low, high


def _forecaster(apps, article):
    User = apps.get_model("accounts", "User")
    ArticleForecaster = apps.get_model("claims", "ArticleForecaster")
    existing = ArticleForecaster.objects.filter(article=article).first()
    if existing is not None:
        return
    username = f"article:{article.slug}"
    defaults = {"origin": "system", "is_active": False, "password": "!"}
    # accounts.0005 may not have run yet (it backfills the key of the accounts it finds);
    # where it has, the key is filled here, as User.save() would.
    if any(f.name == "username_key" for f in User._meta.get_fields()):
        defaults["username_key"] = unicodedata.normalize(
            "NFKC", unicodedata.normalize("NFKC", username).casefold()
        )
    user, _ = User.objects.get_or_create(username=username, defaults=defaults)
    ArticleForecaster.objects.create(article=article, user=user)


def _sync_article(apps, article, questions):
    Claim = apps.get_model("claims", "Claim")
    ClaimLink = apps.get_model("claims", "ClaimLink")
    groups = {}
    for question in questions:
        span = _locate(article.text, question.source_passage)
        if span is not None:
            groups.setdefault(span, []).append(question)
    for (start, end), group in sorted(groups.items()):
        direct = [q for q in group if q.provenance_link == "direct"]
        lead = min(direct or group, key=lambda q: q.pk)
        low, high = _claim_range(lead)
        claim = (
            Claim.objects.filter(article=article, start=start, end=end)
            .exclude(status="dismissed")
            .first()
        )
        if claim is None:
            claim = Claim.objects.create(
                article=article,
                passage=article.text[start:end],
                start=start,
                end=end,
                expression=lead.implied_probability_term,
                low=low,
                high=high,
                table=lead.implied_probability_table,
                horizon_start=article.publication_date,
                horizon_end=lead.scheduled_close_time.date() if direct else None,
                status="accepted",
            )
        for question in group:
            if not ClaimLink.objects.filter(question=question).exists():
                ClaimLink.objects.create(
                    claim=claim,
                    question=question,
                    kind=question.provenance_link,
                    direction=question.provenance_direction,
                )
    if any(q.provenance_link == "direct" for q in questions):
        _forecaster(apps, article)


def forward(apps, schema_editor):
    Article = apps.get_model("questions", "Article")
    Question = apps.get_model("questions", "Question")
    for article in Article.objects.order_by("pk"):
        questions = list(
            Question.objects.filter(article=article).exclude(source_passage="").order_by("pk")
        )
        if questions:
            _sync_article(apps, article, questions)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("questions", "0004_outlets_people_claim_provenance"),
    ]

    operations = [
        # Kept on the way back: the claims are records of their own once made.
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
