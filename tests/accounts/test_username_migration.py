"""accounts.0005_username_key gives the accounts that existed before it their keys: the
plan it runs (`accounts.username_keys.plan_username_keys`) on tables of accounts, then the
migration itself, back and forth, on a database holding colliding names."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from accounts.username_keys import Account, plan_username_keys
from accounts.usernames import username_key
from forecasts.models import Forecast

SYSTEM, IMPORT, SIGNUP = "system", "import", "signup"


@pytest.mark.parametrize(
    ("accounts", "renames"),
    [
        pytest.param(
            [Account(1, "alice"), Account(2, "bob"), Account(3, "José")], {}, id="no-collision"
        ),
        pytest.param(
            [Account(1, "alice", IMPORT), Account(2, "Alice", SIGNUP, claimed=True)],
            {1: "alice-1"},
            id="the-claimed-account-keeps-its-name",
        ),
        pytest.param(
            [Account(4, "Bob", claimed=True), Account(9, "BOB", claimed=True)],
            {9: "BOB-9"},
            id="else-the-oldest",
        ),
        pytest.param(
            [
                Account(1, "Admin", claimed=True),
                Account(2, "admin", "admin", is_superuser=True, is_staff=True, claimed=True),
                Account(3, "admin\u200d", IMPORT),
                Account(4, "ＡＤＭＩＮ", IMPORT),
            ],
            {1: "Admin-1", 3: "admin-3", 4: "ＡＤＭＩＮ-4"},
            id="the-superuser-first-invisible-characters-dropped",
        ),
        pytest.param(
            [Account(5, "Community", IMPORT), Account(7, "community", SYSTEM)],
            {5: "Community-5"},
            id="the-system-user-keeps-community",
        ),
        pytest.param(
            [Account(3, "community", IMPORT, claimed=True)],
            {3: "community-3"},
            id="community-is-the-system-users-even-alone",
        ),
        pytest.param(
            [Account(1, "carol", claimed=True), Account(2, "Carol"), Account(3, "carol-2")],
            {2: "Carol-2-2"},
            id="a-new-name-that-is-taken-gets-another-suffix",
        ),
    ],
)
def test_one_account_keeps_each_key_and_the_others_are_renamed(accounts, renames):
    plan = plan_username_keys(accounts)
    assert plan.renames == renames
    assert len(set(plan.keys.values())) == len(accounts)
    for account in accounts:
        new_name = renames.get(account.pk, account.username)
        assert plan.keys[account.pk] == username_key(new_name)
    renamed_lines = [line for line in plan.report if line.startswith("renamed")]
    assert len(renamed_lines) == len(renames)


def test_the_report_says_who_kept_the_name_and_lists_names_the_rule_refuses():
    plan = plan_username_keys(
        [
            Account(1, "alice", claimed=True),
            Account(2, "ALICE", IMPORT),
            Account(3, "=cmd|calc", IMPORT),
            Account(4, "support", SIGNUP, claimed=True),
            Account(5, "admin", "admin", is_superuser=True, is_staff=True, claimed=True),
            Account(6, "community", SYSTEM),
        ]
    )
    assert plan.report == [
        "renamed 'ALICE' (id 2) to 'ALICE-2': the name folds to 'alice', held by 'alice' (id 1)",
        "left as it is: '=cmd|calc' (id 3): A username may not start with '=': a spreadsheet "
        "would run it as a formula.",
        "left as it is: 'support' (id 4): 'support' is reserved for the site's own accounts.",
    ]


def test_the_plan_does_not_depend_on_the_order_of_the_rows():
    accounts = [
        Account(pk, name, IMPORT, claimed=pk % 3 == 0)
        for pk, name in enumerate(
            ["ann", "Ann", "ANN", "ａｎｎ", "ann-2", "Ann-3", "bob", "BOB", "community"], start=1
        )
    ]
    expected = plan_username_keys(accounts)
    for seed in range(5):
        shuffled = accounts[:]
        random.Random(seed).shuffle(shuffled)
        again = plan_username_keys(shuffled)
        assert (again.keys, again.renames, again.report) == (
            expected.keys,
            expected.renames,
            expected.report,
        )
    assert len(set(expected.keys.values())) == len(accounts)


BEFORE = [("accounts", "0004_sentemail_moved_to_notifications")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_keys_and_renames_collisions(capsys):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        # Every app as it is now, accounts as it was before the key.
        leaves = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "accounts"]
        old = executor.loader.project_state([*leaves, *BEFORE]).apps
        OldUser = old.get_model("accounts", "User")
        OldForecast = old.get_model("forecasts", "Forecast")
        Question = old.get_model("questions", "Question")
        OldUser.objects.filter(username="community").delete()
        rows = [
            OldUser.objects.create(username=name, origin=origin, password=password)
            for name, origin, password in [
                ("community", "system", "!"),
                ("george", "signup", "md5$x$y"),
                ("George", "import", "!unusable"),
                ("admin\u200d", "import", "!unusable"),
                ("Community", "import", "!unusable"),
            ]
        ]
        question = Question.objects.create(
            slug="q",
            title="Q?",
            open_time="2020-01-01T00:00Z",
            scheduled_close_time="2020-02-01T00:00Z",
            scheduled_resolve_time="2020-02-02T00:00Z",
        )
        OldForecast.objects.create(
            question=question, user=rows[2], probability=0.5, created_at="2020-01-02T00:00Z"
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    printed = capsys.readouterr().out
    names = dict(User.objects.values_list("pk", "username"))
    keys = dict(User.objects.values_list("pk", "username_key"))
    community, george, george_import, invisible, person_community = (row.pk for row in rows)
    assert names[george] == "george" and keys[george] == "george"
    assert names[george_import] == f"George-{george_import}"
    assert names[person_community] == f"Community-{person_community}"
    assert names[community] == "community" and keys[community] == "community"
    assert keys[invisible] == "admin"  # invisible characters do not count
    assert f"renamed 'George' (id {george_import}) to 'George-{george_import}'" in printed
    # The forecast stays with its account, under the account's new name.
    assert Forecast.objects.get().user.username == f"George-{george_import}"


def test_a_person_alone_under_community_is_renamed_and_the_report_says_to_rescore():
    plan = plan_username_keys([Account(3, "community", IMPORT)])
    assert plan.report == [
        "renamed 'community' (id 3) to 'community-3': the name folds to 'community', the "
        "community forecast's system user's name (rescore once migrated)"
    ]
