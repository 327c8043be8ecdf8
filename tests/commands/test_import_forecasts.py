"""`manage.py import_forecasts FILE.csv`: every problem named by line, and
nothing written unless every row is good."""

import csv
import io
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from forecasts.models import Forecast
from tests.accounts.test_usernames import ALLOWED, REFUSED
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "question,user,probability,created_at,rationale\n"


@pytest.fixture
def question():
    return QuestionFactory(
        slug="election",
        open_time=datetime(2016, 11, 1, tzinfo=UTC),
        scheduled_close_time=datetime(2016, 11, 8, tzinfo=UTC),
        scheduled_resolve_time=datetime(2016, 11, 9, tzinfo=UTC),
    )


@pytest.fixture
def write_csv(tmp_path):
    def write(text: str, name: str = "forecasts.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


GOOD_ROWS = (
    "election,george,0.30,2016-11-01T16:05:00Z,gut feeling\n"
    "election,kramer,0.6,2016-11-02T11:37:00+00:00,\n"
    'election,george,0.5,2016-11-03T09:09:00Z,"polls, mostly"\n'
)


def test_imports_rows_and_creates_unclaimed_accounts(run, question, write_csv):
    existing = UserFactory(username="george")
    out, err = run("import_forecasts", write_csv(HEADER + GOOD_ROWS))
    assert "3 forecasts imported, 0 already present; 1 new unclaimed accounts" in out
    assert "new unclaimed account: kramer" in out
    assert err == ""
    rows = list(
        Forecast.objects.order_by("created_at").values_list(
            "user__username", "probability", "created_at", "origin", "rationale"
        )
    )
    assert rows == [
        ("george", 0.30, datetime(2016, 11, 1, 16, 5, tzinfo=UTC), "import", "gut feeling"),
        ("kramer", 0.6, datetime(2016, 11, 2, 11, 37, tzinfo=UTC), "import", ""),
        ("george", 0.5, datetime(2016, 11, 3, 9, 9, tzinfo=UTC), "import", "polls, mostly"),
    ]
    kramer = User.objects.get(username="kramer")
    assert not kramer.has_usable_password()
    assert kramer.origin == User.Origin.IMPORT
    existing.refresh_from_db()
    assert existing.has_usable_password()  # an existing account is left as it was


def test_importing_the_same_file_twice_adds_nothing(run, question, write_csv):
    path = write_csv(HEADER + GOOD_ROWS)
    run("import_forecasts", path)
    out, _ = run("import_forecasts", path)
    assert "0 forecasts imported, 3 already present; 0 new unclaimed accounts" in out
    assert Forecast.objects.count() == 3
    assert User.objects.exclude(origin=User.Origin.SYSTEM).count() == 2


def test_a_byte_order_mark_is_not_part_of_the_header(run, question, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text(HEADER + GOOD_ROWS, encoding="utf-8-sig")
    run("import_forecasts", path)
    assert Forecast.objects.count() == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "slug,username,probability,created_at\nelection,george,0.3,2016-11-01T16:05:00Z\n",
            [
                "line 1: header must be question,user,probability,created_at[,rationale]: "
                "missing columns question, user; unknown columns slug, username"
            ],
        ),
        (
            HEADER
            + "election,george,0.30,2016-11-01T16:05:00Z,\n"
            + "election,kramer,1.5,2016-11-02T11:37:00Z,\n"
            + "election,george,0.5,2016-11-03T09:09:00Z,\n",
            [
                "line 3: probability: A probability must be between 0.001 and 0.999 "
                "(0.1% to 99.9%); got 1.5."
            ],
        ),
        (
            HEADER + "election,george,0.3,2016-11-01T16:05:00Z,\nnope,george,0.3,2016-11-01,\n",
            ["line 3: question: no question with slug 'nope'"],
        ),
        (
            HEADER
            + "election,george,0.3,2016-11-01T16:05:00Z,\n"
            + "election,kramer,0.6,2016-11-08T00:00:00Z,\n",
            [
                "line 3: created_at: 2016-11-08T00:00:00+00:00 is outside the question's window "
                "[2016-11-01T00:00:00+00:00, 2016-11-08T00:00:00+00:00)"
            ],
        ),
        (
            HEADER + "election,george,0.3,2016-11-01 16:05,\n",
            ["line 2: created_at: '2016-11-01 16:05' has no UTC offset"],
        ),
        (
            HEADER
            + "election,george,abc,2016-11-01T16:05:00Z,\n"
            + "election,,0.3,2016-11-01T16:05:00Z,\n"
            + "election,kramer,0.3,2016-10-31T23:59:59Z,\n",
            [
                "line 2: probability: 'abc' is not a number.",
                "line 3: user: empty",
                "line 4: created_at: 2016-10-31T23:59:59+00:00 is outside the question's window "
                "[2016-11-01T00:00:00+00:00, 2016-11-08T00:00:00+00:00)",
            ],
        ),
    ],
    ids=[
        "wrong-header",
        "bad-probability-line-3",
        "unknown-question",
        "created-at-at-close",
        "no-offset",
        "every-problem-listed",
    ],
)
def test_a_bad_row_rejects_the_file_naming_each_line_and_reason(
    run_failing, question, write_csv, text, expected
):
    UserFactory(username="george")
    path = write_csv(text)
    error, printed = run_failing("import_forecasts", path)
    assert printed.splitlines() == expected
    problems = "3 problems" if len(expected) == 3 else "1 problem"
    assert str(error) == f"{path}: rejected ({problems} listed above); nothing was imported."
    # Nothing written, although the other rows were fine: no forecast, and no
    # account for kramer, who appears only in a rejected file.
    assert Forecast.objects.count() == 0
    people = User.objects.exclude(origin=User.Origin.SYSTEM)
    assert list(people.values_list("username", flat=True)) == ["george"]


def test_a_missing_file(run, tmp_path):
    with pytest.raises(CommandError, match=r"nope\.csv: cannot read the file"):
        run("import_forecasts", tmp_path / "nope.csv")


def test_manage_py_exits_1_with_a_message_and_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "import_forecasts", str(tmp_path / "nope.csv")],
        cwd=settings.BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "FORESEER_VAR_DIR": str(tmp_path / "var"),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"CommandError: {tmp_path / 'nope.csv'}: cannot read the file (No such file or directory)."
    )


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [["question", "user", "probability", "created_at", "rationale"], *rows]
    )
    return out.getvalue()


def test_each_username_follows_the_signup_rule_with_its_line(run_failing, question, write_csv):
    refused = [(name, message) for name, message in REFUSED if name]
    rows = [["election", "george", "0.3", "2016-11-01T16:05:00Z", ""]]
    rows += [["election", name, "0.3", "2016-11-01T16:05:00Z", ""] for name, _ in refused]
    _, printed = run_failing("import_forecasts", write_csv(_csv(rows)))
    assert printed.splitlines() == [
        f"line {line}: user: {message}" for line, (_, message) in enumerate(refused, start=3)
    ]
    assert not User.objects.exclude(origin=User.Origin.SYSTEM).exists()
    assert Forecast.objects.count() == 0


def test_a_row_for_the_community_user_is_refused(run_failing, question, write_csv):
    text = HEADER + "election,Community,0.3,2016-11-01T16:05:00Z,\n"
    _, printed = run_failing("import_forecasts", write_csv(text))
    assert printed.splitlines() == [
        "line 2: user: 'Community' is reserved for the site's own accounts."
    ]


def test_a_name_that_folds_to_an_accounts_key_is_that_account(run, question, write_csv):
    george = UserFactory(username="george")
    text = HEADER + (
        "election,George,0.30,2016-11-01T16:05:00Z,\n"
        "election,ＧＥＯＲＧＥ,0.40,2016-11-02T16:05:00Z,\n"
        "election,Kramer,0.6,2016-11-02T11:37:00Z,\n"
        "election,KRAMER,0.7,2016-11-03T11:37:00Z,\n"
        "election,kramer,0.7,2016-11-03T11:37:00Z,\n"
    )
    out, _ = run("import_forecasts", write_csv(text))
    assert "4 forecasts imported, 1 already present; 1 new unclaimed accounts" in out
    assert "new unclaimed account: Kramer" in out  # as the first row spells it
    kramer = User.objects.get(username_key="kramer")
    assert (kramer.username, kramer.origin) == ("Kramer", User.Origin.IMPORT)
    counts = dict(Forecast.objects.values_list("user__username").annotate(n=Count("id")).order_by())
    assert counts == {"george": 2, "Kramer": 2}
    assert User.objects.exclude(origin=User.Origin.SYSTEM).count() == 2
    george.refresh_from_db()
    assert george.username == "george"


def test_unusual_names_become_accounts(run, question, write_csv):
    names = [stored for _, stored in ALLOWED]
    rows = [
        ["election", name, "0.3", f"2016-11-0{1 + i % 7}T16:{i:02d}:00Z", ""]
        for i, name in enumerate(names)
    ]
    out, _ = run("import_forecasts", write_csv(_csv(rows)))
    assert f"{len(set(names))} new unclaimed accounts" in out
    assert set(
        User.objects.filter(origin=User.Origin.IMPORT).values_list("username", flat=True)
    ) == set(names)


def test_a_forecast_dated_after_the_import_is_refused(run_failing, write_csv):
    QuestionFactory(slug="running")  # opened yesterday, closes in 30 days
    now = timezone.now()
    tomorrow = (now + timedelta(days=1)).replace(microsecond=0).astimezone(UTC)
    earlier = (now - timedelta(hours=1)).replace(microsecond=0).astimezone(UTC)
    text = HEADER + (
        f"running,george,0.3,{earlier.isoformat()},\nrunning,george,0.4,{tomorrow.isoformat()},\n"
    )
    _, printed = run_failing("import_forecasts", write_csv(text))
    [line] = printed.splitlines()
    assert re.fullmatch(
        rf"line 3: created_at: {re.escape(tomorrow.isoformat())} is in the future "
        r"\(the import started at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\)",
        line,
    ), line
    assert Forecast.objects.count() == 0


# --- Hostile files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("election,george,0.3,2016-11-01T16:05:00Z,a\x00b\n",
         r"line 2: the control character U\+0000"),
        ('election,george,0.3,2016-11-01T16:05:00Z,"never closed\n', r"line \d+: not valid CSV"),
        ('election,george,0.3,2016-11-01T16:05:00Z,"x"y\n', r"line 2: not valid CSV"),
        (f"election,george,0.3,2016-11-01T16:05:00Z,{'a' * 140_000}\n", r"not valid CSV .*field"),
        (f"election,george,0.3,2016-11-01T16:05:00Z,{'a' * 10_001}\n", r"line 2: rationale"),
    ],
    ids=["nul", "open-quote", "text-after-quote", "huge-field", "long-rationale"],
)  # fmt: skip
def test_a_hostile_file_is_refused_by_line_and_writes_nothing(
    run_failing, question, write_csv, body, expected
):
    _, printed = run_failing("import_forecasts", write_csv(HEADER + body))
    assert re.search(expected, printed), printed
    assert not Forecast.objects.exists()


def test_history_imported_after_the_close_freezes_the_community_again(run, write_csv):
    from forecasts.services import questions_close_due

    question = QuestionFactory(
        slug="election",
        open_time=datetime(2016, 11, 1, tzinfo=UTC),
        scheduled_close_time=datetime(2016, 11, 8, tzinfo=UTC),
        scheduled_resolve_time=datetime(2016, 11, 9, tzinfo=UTC),
    )
    assert questions_close_due() == [question.pk]
    question.refresh_from_db()
    assert (question.community_at_close, question.forecasters_at_close) == (None, 0)
    run("import_forecasts", write_csv(HEADER + GOOD_ROWS))
    question.refresh_from_db()
    # george's latest before the close is 0.5, kramer's 0.6.
    assert question.community_at_close == pytest.approx(0.55)
    assert question.forecasters_at_close == 2
