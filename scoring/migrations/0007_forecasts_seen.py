"""QuestionScoring.forecasts_seen: how many forecasts the question had when its scores
were built, so the sweep can tell that history was imported since.

Existing rows take the count the question has now: they are taken to be current, as the
sweep took them before (rescoring every resolved question at once on upgrade would flood
the workers). `manage.py rescore` rebuilds everything when that is wanted."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_forecasts(apps, schema_editor):
    QuestionScoring = apps.get_model("scoring", "QuestionScoring")
    Forecast = apps.get_model("forecasts", "Forecast")
    forecasts = (
        Forecast.objects.filter(question=OuterRef("question"))
        .order_by()
        .values("question")
        .annotate(count=Count("pk"))
        .values("count")
    )
    QuestionScoring.objects.update(forecasts_seen=Coalesce(Subquery(forecasts), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("forecasts", "0004_community_chart"),
        ("scoring", "0006_rule_registry"),
    ]

    operations = [
        migrations.AddField(
            model_name="questionscoring",
            name="forecasts_seen",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_forecasts, migrations.RunPython.noop, elidable=True),
    ]
