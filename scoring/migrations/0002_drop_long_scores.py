"""Scores move from one row per (question, user, rule) to one row per (question, user)
holding every rule. Scores are derived data: the old rows are dropped and every
question's scoring record with them, so the stale-scores sweep rebuilds them all in the
new shape within one sweep period (or run `manage.py rescore`)."""

from django.db import migrations


def forget_scoring_records(apps, schema_editor):
    apps.get_model("scoring", "QuestionScoring").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forget_scoring_records, migrations.RunPython.noop),
        migrations.DeleteModel(name="Score"),
    ]
