"""Giving the accounts that existed before `User.username_key` their keys: the plan
`accounts/migrations/0005_username_key.py` applies, kept here so that it is linted, typed
and tested. What it decides is described in that migration's opening comment."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.usernames import (
    COMMUNITY_USERNAME,
    MAX_LENGTH,
    is_invisible,
    username_key,
    username_problem,
)

SYSTEM = "system"


@dataclass(frozen=True)
class Account:
    pk: int
    username: str
    origin: str = "signup"
    is_superuser: bool = False
    is_staff: bool = False
    claimed: bool = False


@dataclass
class KeyPlan:
    keys: dict[int, str] = field(default_factory=dict)
    """Every account's key, after the renames."""
    renames: dict[int, str] = field(default_factory=dict)
    """New usernames, by account id."""
    report: list[str] = field(default_factory=list)


def _priority(account: Account) -> tuple[bool, bool, bool, bool, int]:
    return (
        account.origin != SYSTEM,
        not account.is_superuser,
        not account.is_staff,
        not account.claimed,
        account.pk,
    )


def _new_name(account: Account, taken: set[str]) -> str:
    visible = "".join(c for c in account.username if not is_invisible(c)) or "user"
    attempt = 1
    while True:
        suffix = f"-{account.pk}" if attempt == 1 else f"-{account.pk}-{attempt}"
        name = visible[: MAX_LENGTH - len(suffix)] + suffix
        if username_key(name) not in taken:
            return name
        attempt += 1


def plan_username_keys(accounts: list[Account]) -> KeyPlan:
    """The keys to store and the renames that make them unique; deterministic: the same
    accounts in any order give the same plan."""
    plan = KeyPlan()
    groups: dict[str, list[Account]] = {}
    for account in accounts:
        groups.setdefault(username_key(account.username), []).append(account)
    taken = set(groups)
    for key in sorted(groups):
        members = sorted(groups[key], key=_priority)
        keeper: Account | None = members[0]
        if key == COMMUNITY_USERNAME and members[0].origin != SYSTEM:
            keeper = None
        for account in members:
            if account is keeper:
                plan.keys[account.pk] = key
                continue
            name = _new_name(account, taken)
            taken.add(username_key(name))
            plan.keys[account.pk] = username_key(name)
            plan.renames[account.pk] = name
            held = (
                f"held by {keeper.username!r} (id {keeper.pk})"
                if keeper
                else "the community forecast's system user's name (rescore once migrated)"
            )
            plan.report.append(
                f"renamed {account.username!r} (id {account.pk}) to {name!r}: "
                f"the name folds to {key!r}, {held}"
            )
    for account in sorted(accounts, key=lambda a: a.pk):
        if account.origin == SYSTEM or account.is_staff or account.is_superuser:
            continue
        name = plan.renames.get(account.pk, account.username)
        problem = username_problem(name)
        if problem:
            plan.report.append(f"left as it is: {name!r} (id {account.pk}): {problem}")
    return plan
