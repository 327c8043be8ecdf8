import pytest
from tests.api.test_claims_api import article, clients, fake_extractor  # noqa
from claims.models import Claim
from questions.models import Article, Outlet, Person

pytestmark = pytest.mark.django_db


def show(label, r):
    body = r.content[:200]
    print(f"PROBE {r.status_code} {label} {body!r}")


def test_probe(clients, article):
    second = Claim.objects.get(passage__startswith="It is unlikely")
    big = "9" * 25
    gets = [
        "/api/claims/abc/",
        f"/api/claims/{big}/",
        "/api/claims/9223372036854775808/",
        "/api/claims/-1/",
        "/api/claims/1.5/",
        "/api/articles/%C3%A9/",
        "/api/articles/" + "a" * 600 + "/",
        "/api/speakers/nope/",
        "/api/outlets/nope/",
        "/api/claims/?limit=100000",
        "/api/claims/?offset=99999999999999",
        "/api/claims/?limit=abc",
        "/api/claims/?offset=-5",
        "/api/claims/?format=csv",
        "/api/claims/?foo=bar",
        "/api/claims/?article=" + "a" * 5000,
        "/api/claims/?speaker=%00",
        "/api/claims/?article=%00",
        "/api/claims/?expression=%00",
        "/api/claims/?status=",
        "/api/claims/?status=accepted&status=x",
        "/api/articles/?format=csv",
        "/api/speakers/?format=csv",
        "/api/outlets/?limit=0",
        "/api/articles/?ordering=-title",
        "/api/articles/?search=x",
        "/api/track-records/?limit=99999",
        "/api/track-records/?kind=",
        "/api/track-records/?rule=%00",
        "/api/track-records/terms/?outlet=%00",
        "/api/track-records/terms/?outlet=" + "a" * 600,
        "/api/track-records/articles/the-fractured-pillar/?format=csv",
        "/api/track-records/articles/the-fractured-pillar/?format=json",
        "/api/track-records/articles/the-fractured-pillar/?limit=5.0",
        "/api/track-records/articles/nope/?format=csv",
        "/api/track-records/speakers/jane-roe/?format=csv&limit=abc",
        "/api/track-records/outlets/the-diplomat/?offset=99999999999",
        "/api/track-records/authors/jane-roe/?format=xml",
        f"/api/claims/{second.pk}/?format=csv",
    ]
    for role, c in clients.items():
        for url in gets:
            show(f"{role} GET {url[:90]}", c.get(url))
    c = clients["staff"]
    bodies = [
        ("post", "/api/claims/", []),
        ("post", "/api/claims/", "x"),
        (
            "post",
            "/api/claims/",
            {
                "article": article.slug,
                "passage": "Talks resumed last year.",
                "low": "NaN",
                "high": "NaN",
            },
        ),
        (
            "post",
            "/api/claims/",
            {"article": article.slug, "passage": "Talks resumed last year.", "low": "Infinity"},
        ),
        ("post", "/api/claims/", {"article": article.slug, "start": 10**20, "end": 10**20 + 5}),
        ("post", "/api/claims/", {"article": article.slug, "start": 0, "end": 10**6}),
        ("post", "/api/claims/", {"article": ["x"], "passage": "x"}),
        ("post", "/api/claims/", {"article": 5, "passage": "x"}),
        (
            "post",
            "/api/claims/",
            {
                "article": article.slug,
                "passage": "Talks resumed last year.",
                "horizon_start": "2030-01-01",
                "horizon_end": "2020-01-01",
            },
        ),
        (
            "post",
            "/api/claims/",
            {
                "article": article.slug,
                "passage": "Talks resumed last year.",
                "horizon_end": "0001-01-01",
            },
        ),
        (
            "post",
            "/api/claims/",
            {"article": article.slug, "passage": "Talks resumed last year.", "low": 0.2},
        ),
        (
            "post",
            "/api/claims/",
            {
                "article": article.slug,
                "passage": "Talks resumed last year.",
                "speaker_name": "日本人",
            },
        ),
        (
            "post",
            "/api/claims/",
            {"article": article.slug, "passage": "Talks resumed last year.", "speaker_name": "!!!"},
        ),
        (
            "post",
            "/api/claims/",
            {
                "article": article.slug,
                "passage": "Talks resumed last year.",
                "speaker_affiliation": "X",
            },
        ),
        (
            "post",
            "/api/claims/",
            {"article": article.slug, "passage": "", "speaker_name": "Brand New"},
        ),
        (
            "post",
            "/api/claims/",
            {"article": article.slug, "passage": "Seoul", "speaker_name": "Brand New Two"},
        ),
        (
            "patch",
            f"/api/claims/{second.pk}/",
            {"passage": "nope nope", "speaker_name": "Brand New Three"},
        ),
        ("patch", f"/api/claims/{second.pk}/", {"low": None, "high": 0.5}),
        ("patch", f"/api/claims/{second.pk}/", {"start": None}),
        ("patch", f"/api/claims/{second.pk}/", {"status": "accepted"}),
        ("patch", f"/api/claims/{second.pk}/", []),
        ("patch", "/api/claims/abc/", {"low": 0.1}),
        ("post", f"/api/claims/{big}/accept/", {}),
        ("post", f"/api/claims/{second.pk}/dismiss/", {"reason": "x" * 100000}),
        ("post", f"/api/claims/{second.pk}/dismiss/", {"reason": 5}),
        ("post", f"/api/claims/{second.pk}/dismiss/", {"reason": "  "}),
        ("post", "/api/claims/propose/", {"article": None}),
        ("post", "/api/claims/propose/", []),
        ("post", "/api/speakers/", {"name": "日本人"}),
        ("post", "/api/speakers/", {"name": "!!!"}),
        ("post", "/api/speakers/", {"name": "X", "slug": "jane-roe"}),
        ("post", "/api/speakers/", {"name": "X", "slug": "Bad Slug"}),
        ("post", "/api/speakers/", {"name": "X", "url": "javascript:alert(1)"}),
        ("post", "/api/outlets/", {"name": "!!!"}),
        ("post", "/api/outlets/", {"name": "The Diplomat"}),
        ("post", "/api/outlets/", {"name": "x" * 1000}),
        ("patch", "/api/outlets/the-diplomat/", {"slug": "other"}),
        ("patch", "/api/outlets/the-diplomat/", {"url": "ftp://x"}),
        (
            "post",
            "/api/articles/",
            {
                "title": "T",
                "text": "Some text here.",
                "publication_date": "2026-01-01",
                "outlet": "!!!",
            },
        ),
        (
            "post",
            "/api/articles/",
            {
                "title": "T2",
                "text": "Some other text here.",
                "publication_date": "2026-01-01",
                "authors": [{"name": "!!!"}],
            },
        ),
        (
            "post",
            "/api/articles/",
            {
                "title": "T3",
                "text": "Some third text.",
                "publication_date": "2026-01-01",
                "authors": [{"name": "Ok Person"}, {"name": "Ok Person"}],
            },
        ),
        (
            "post",
            "/api/articles/",
            {"title": "!!!", "text": "Some fourth text.", "publication_date": "2026-01-01"},
        ),
        (
            "post",
            "/api/articles/",
            {
                "title": "The Fractured Pillar",
                "text": "Some fifth text.",
                "publication_date": "2026-01-01",
            },
        ),
        (
            "post",
            "/api/articles/",
            {"title": "T6", "text": "   ", "publication_date": "2026-01-01"},
        ),
        (
            "post",
            "/api/articles/",
            {"title": "T7", "text": "Text \x00 nul", "publication_date": "2026-01-01"},
        ),
        (
            "post",
            "/api/articles/",
            {"title": "T8", "text": "Eight", "publication_date": "0001-01-01"},
        ),
        (
            "post",
            "/api/articles/",
            {"title": "T9", "text": "Nine", "publication_date": "2026-01-01", "authors": "Jane"},
        ),
        (
            "post",
            "/api/articles/",
            {
                "title": "T10",
                "text": "Ten",
                "publication_date": "2026-01-01",
                "authors": [{"name": "A" * 5}] * 3000,
                "propose": False,
            },
        ),
    ]
    for method, url, body in bodies:
        before = (
            Article.objects.count(),
            Claim.objects.count(),
            Person.objects.count(),
            Outlet.objects.count(),
        )
        r = getattr(c, method)(url, body, format="json")
        after = (
            Article.objects.count(),
            Claim.objects.count(),
            Person.objects.count(),
            Outlet.objects.count(),
        )
        show(f"staff {method} {url} {str(body)[:80]} counts {before}->{after}", r)
