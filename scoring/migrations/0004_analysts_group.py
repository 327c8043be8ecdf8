"""The Analysts group: may see every forecaster's scores and calibration, but not resolve.
Add users to it in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ANALYSTS = "Analysts"


def create_analysts_group(apps, schema_editor):
    # Permissions are normally created after all migrations have run; create scoring's
    # now so the group can be given its own.
    scoring = apps.get_app_config("scoring")
    scoring.models_module = True
    create_permissions(scoring, apps=apps, verbosity=0)
    scoring.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ANALYSTS)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="scoring", codename="view_all_scores")
    )


def remove_analysts_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=ANALYSTS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("scoring", "0003_wide_scores_leaderboards_calibration"),
    ]

    operations = [
        migrations.RunPython(create_analysts_group, remove_analysts_group),
    ]
