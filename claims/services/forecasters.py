"""The system users articles' direct claims are scored as (`article:<slug>`)."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.models import User
from accounts.usernames import username_clean
from claims.models import ArticleForecaster
from questions.models import Article

ARTICLE_PREFIX = "article:"


def article_forecaster_username(slug: str) -> str:
    return f"{ARTICLE_PREFIX}{slug}"


def article_forecasters_ensure(*, article_ids: Iterable[int]) -> dict[int, int]:
    """Each article's forecaster user id, by article id, created where missing: a system
    user named `article:<slug>`, with no usable password and not active, so it can never
    log in. Its name takes the pseudo-forecasters' prefix, which the sign-up rule refuses
    to people (`accounts.usernames`), so it is made here by the system path. Idempotent."""
    ids = set(article_ids)
    found = dict(
        ArticleForecaster.objects.filter(article_id__in=ids).values_list("article_id", "user_id")
    )
    for article in Article.objects.filter(pk__in=ids - set(found)).order_by("pk"):
        username = username_clean(article_forecaster_username(article.slug), system=True)
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"origin": User.Origin.SYSTEM, "is_active": False, "password": "!"},
        )
        if user.origin != User.Origin.SYSTEM or user.has_usable_password():
            # Only an admin's hand could have made it; scoring a person as an article
            # would be worse than refusing.
            raise ValueError(
                f"The user {username!r} exists and is not a system account: an article's "
                "forecaster cannot take it."
            )
        forecaster, _ = ArticleForecaster.objects.get_or_create(
            article=article, defaults={"user": user}
        )
        found[article.pk] = forecaster.user_id
    return found
