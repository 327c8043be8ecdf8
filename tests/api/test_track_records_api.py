"""The track-record API: each record, its CSV export, the leaderboard and term calibration,
as each role; bad parameters are a 400 naming them; a fixed number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from scoring import registry
from tests.factories import StaffFactory, UserFactory
from tests.track_records import ACCURACY, BRIER, build_track_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.FORESEER_TRACK_RECORD_MIN_CLAIMS = 5
    settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES = 50
    return build_track_world()


@pytest.fixture(params=["anonymous", "forecaster", "staff"])
def api(request, db):
    client = APIClient()
    if request.param == "forecaster":
        client.force_authenticate(UserFactory())
    elif request.param == "staff":
        client.force_authenticate(StaffFactory())
    return client


def test_an_outlets_record(api, world):
    response = api.get(reverse("api:track-record-outlet", args=[world.outlet.slug]))
    assert response.status_code == 200
    data = response.json()
    assert data["subject"] == {
        "kind": "outlet",
        "slug": world.outlet.slug,
        "name": "Daily Planet",
        "detail": "",
    }
    assert data["count"] == 8 and len(data["claims"]) == 8
    assert data["outcomes"]["k"] == 5 and data["outcomes"]["n"] == 6
    assert data["enough"] is True and data["min_claims"] == 5
    brier = next(c for c in data["comparisons"] if c["rule"] == BRIER.key)
    assert brier["n"] == 6 and brier["verdict"] == "better"
    assert brier["difference"]["value"] == pytest.approx(-0.1)
    assert {c["rule"] for c in data["comparisons"]} == {BRIER.key, ACCURACY.key}
    last = next(c for c in data["claims"] if c["question"] == world.resolved[-1].slug)
    assert last["came_true"] is False
    assert last[BRIER.key] == pytest.approx(0.45)
    assert last[f"crowd_{BRIER.key}"] == pytest.approx(0.55)
    proxy = next(c for c in data["claims"] if c["question"] == world.proxy.slug)
    assert proxy["link"] == "proxy" and proxy[BRIER.key] is None


def test_records_of_each_kind_and_their_paging(world):
    client = APIClient()
    article = client.get(reverse("api:track-record-article", args=[world.first.slug])).json()
    assert article["enough"] is False
    assert all(c["verdict"] is None for c in article["comparisons"])
    author = client.get(reverse("api:track-record-author", args=[world.author.slug])).json()
    assert author["count"] == 8
    url = reverse("api:track-record-speaker", args=[world.speaker.slug])
    page = client.get(url, {"limit": 3}).json()
    assert page["count"] == 7 and len(page["claims"]) == 3
    assert page["previous"] is None and "offset=3" in page["next"]
    last = client.get(url, {"limit": 3, "offset": 6}).json()
    assert len(last["claims"]) == 1 and last["next"] is None


def test_the_csv_export_holds_every_claim(world):
    client = APIClient()
    url = reverse("api:track-record-outlet", args=[world.outlet.slug])
    response = client.get(url, {"format": "csv", "limit": 1})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "track-record-outlet-daily-planet.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 8
    header = list(rows[0])
    assert header[:3] == ["claim", "article", "outlet"] and header[-1] == "passage"
    assert {BRIER.key, ACCURACY.key, f"crowd_{BRIER.key}"} <= set(header)
    assert not {rule.key for rule in registry.rules()} - {BRIER.key, ACCURACY.key} & set(header)


def test_a_passage_that_looks_like_a_formula_is_neutralised(world):
    from claims.models import Claim

    Claim.objects.filter(article=world.first).update(passage="=HYPERLINK(1)")
    url = reverse("api:track-record-article", args=[world.first.slug])
    text = APIClient().get(url, {"format": "csv"}).content.decode()
    assert "'=HYPERLINK(1)" in text


def test_the_leaderboard(api, world):
    response = api.get(reverse("api:track-record-board"), {"kind": "outlets", "rule": BRIER.key})
    assert response.status_code == 200
    data = response.json()
    assert data["rule"] == BRIER.key and data["lower_is_better"] is True
    assert data["count"] == 1 and data["ranked"] == 1
    assert data["results"][0]["slug"] == world.outlet.slug
    assert data["results"][0]["comparison"]["verdict"] == "better"
    assert data["crowd"]["questions"] == 6
    assert data["forecasters"] == []
    text = api.get(reverse("api:track-record-board"), {"format": "csv"}).content.decode()
    header, row = text.splitlines()[:2]
    assert header.startswith("kind,slug,name,rule,ranked,n")
    assert row.startswith(f"speaker,{world.speaker.slug},Emily Carter,{ACCURACY.key},True,6")
    default = api.get(reverse("api:track-record-board")).json()
    assert default["kind"] == "speakers" and default["rule"] == ACCURACY.key


def test_term_calibration(api, world):
    response = api.get(reverse("api:track-record-terms"), {"outlet": world.outlet.slug})
    assert response.status_code == 200
    data = response.json()
    assert data["outlet"] == world.outlet.slug and data["count"] == 1
    likely = data["results"][0]
    assert (likely["expression"], likely["k"], likely["n"]) == ("likely", 5, 6)
    assert (likely["range_low"], likely["range_high"]) == (0.55, 0.8)
    assert likely["within_range"] is True
    text = api.get(reverse("api:track-record-terms"), {"format": "csv"}).content.decode()
    assert text.splitlines()[0].startswith("expression,table,k,n,rate")


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("api:track-record-board", {"kind": "pundits"}, "kind"),
        ("api:track-record-board", {"rule": registry.PEER.key}, "rule"),
        ("api:track-record-board", {"limit": "0"}, "limit"),
        ("api:track-record-terms", {"outlet": "nowhere"}, "outlet"),
        ("api:track-record-terms", {"offset": "-1"}, "offset"),
        ("api:track-record-terms", {"format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_400_naming_them(world, name, query, field):
    response = APIClient().get(reverse(name), query)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_bad_paging_on_a_record_is_400_and_an_unknown_subject_404(world):
    client = APIClient()
    url = reverse("api:track-record-speaker", args=[world.speaker.slug])
    assert list(client.get(url, {"limit": "501"}).json()) == ["limit"]
    missing = reverse("api:track-record-speaker", args=["nobody"])
    assert client.get(missing).status_code == 404


def test_a_record_costs_a_fixed_number_of_queries(world):
    client = APIClient()
    url = reverse("api:track-record-outlet", args=[world.outlet.slug])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) <= 12
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("api:track-record-board")).status_code == 200
    assert len(queries) <= 12


def test_the_json_claims_mirror_the_csv_columns(world):
    """`?format=json` and `?format=csv` give the same claims in the same order, with the
    same fields: a CSV cell is the JSON value written as text (empty for null)."""
    client = APIClient()
    url = reverse("api:track-record-author", args=[world.author.slug])
    text = client.get(url, {"format": "csv"}).content.decode()
    header = next(csv.reader(io.StringIO(text)))
    rows = list(csv.DictReader(io.StringIO(text)))
    claims = client.get(url, {"format": "json", "limit": 200}).json()["claims"]
    assert len(claims) == len(rows) == 8
    assert [set(claim) for claim in claims] == [set(header)] * len(rows)

    def cell(value):
        return "" if value is None else str(value)

    for claim, row in zip(claims, rows, strict=True):
        for column in header:
            if isinstance(claim[column], float):
                assert float(row[column]) == pytest.approx(claim[column]), column
            else:
                assert row[column] == cell(claim[column]), column


@pytest.mark.parametrize(
    ("name", "args", "query"),
    [
        ("api:track-record-board", [], {"kinds": "outlets"}),
        ("api:track-record-terms", [], {"outlets": "daily-planet"}),
        ("api:track-record-outlet", ["daily-planet"], {"page": "2"}),
    ],
)
def test_a_parameter_an_endpoint_does_not_take_is_a_400_naming_it(world, name, args, query):
    client = APIClient()
    for extra in ({}, {"format": "csv"}):
        response = client.get(reverse(name, args=args), {**query, **extra})
        assert response.status_code == 400
        assert list(response.json()) == list(query)
