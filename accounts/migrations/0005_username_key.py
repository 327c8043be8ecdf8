# The username rule (accounts/usernames.py): the characters rule on User.username, and
# User.username_key, unique, so that names differing only in case, NFKC form or invisible
# characters are one name.
#
# The backfill folds every username. Where several accounts fold to one key, one keeps its
# name and the others are renamed `<name>-<id>` (`-2`, `-3` ... added while that is taken
# too), invisible characters dropped from the new name; which one keeps it is decided by,
# in order: the system account, a superuser, staff, a claimed account (one with a usable
# password), the lowest id. The name `community` belongs to the system user the community
# forecast is scored as: an account of any other origin holding it is renamed even when
# alone, so that scoring can create that user (rescore every question afterwards:
# `manage.py rescore`). Each rename is printed, and so is each account of a person whose
# name the rule would refuse today; those are left as they are.

from django.db import migrations, models

import accounts.models
import accounts.usernames
from accounts.username_keys import Account, plan_username_keys


def backfill_username_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    rows = User.objects.order_by("pk").values_list(
        "pk", "username", "origin", "is_superuser", "is_staff", "password"
    )
    accounts = [
        Account(pk, username, origin, superuser, staff, bool(password) and password[0] != "!")
        for pk, username, origin, superuser, staff, password in rows.iterator()
    ]
    plan = plan_username_keys(accounts)
    kept = [
        User(pk=pk, username_key=key) for pk, key in plan.keys.items() if pk not in plan.renames
    ]
    renamed = [
        User(pk=pk, username=name, username_key=plan.keys[pk]) for pk, name in plan.renames.items()
    ]
    User.objects.bulk_update(kept, ["username_key"], batch_size=1000)
    User.objects.bulk_update(renamed, ["username", "username_key"], batch_size=1000)
    for line in plan.report:
        print(f"  accounts.0005_username_key: {line}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_sentemail_moved_to_notifications"),
    ]

    operations = [
        # Its bulk_create fills the key, as User.save() does.
        migrations.AlterModelManagers(
            name="user",
            managers=[("objects", accounts.models.UserManager())],
        ),
        migrations.AlterField(
            model_name="user",
            name="username",
            field=models.CharField(
                error_messages={"unique": "A user with that username already exists."},
                help_text="Required. 150 characters or fewer: letters (any alphabet), digits "
                "and @ . + - _, not starting with = + - @. Alice and alice are the same name.",
                max_length=150,
                unique=True,
                validators=[accounts.usernames.UsernameValidator()],
                verbose_name="username",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(editable=False, max_length=450, null=True),
        ),
        migrations.RunPython(backfill_username_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="username_key",
            field=models.CharField(
                editable=False,
                help_text="The username folded (NFKC, case, invisible characters): "
                "one account each.",
                max_length=450,
                unique=True,
            ),
        ),
    ]
