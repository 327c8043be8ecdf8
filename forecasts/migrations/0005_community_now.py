"""The community forecast now, kept with the question's community state: its history's
last point. Filled here from the stored history; the update task keeps it after."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_from_history(apps, schema_editor):
    CommunityState = apps.get_model("forecasts", "CommunityState")
    CommunityPoint = apps.get_model("forecasts", "CommunityPoint")
    last = CommunityPoint.objects.filter(question_id=OuterRef("question_id")).order_by("-at")
    CommunityState.objects.update(
        median=Subquery(last.values("median")[:1]),
        forecasters=models.functions.Coalesce(Subquery(last.values("forecasters")[:1]), 0),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("forecasts", "0004_community_chart"),
    ]

    operations = [
        migrations.AddField(
            model_name="communitystate",
            name="forecasters",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="communitystate",
            name="median",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.RunPython(fill_from_history, migrations.RunPython.noop),
    ]
