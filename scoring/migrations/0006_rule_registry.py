"""The rule registry names the log score's column as it names the rule: `log`."""

import scoring.registry
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0005_community_user"),
    ]

    operations = [
        migrations.RenameField(model_name="score", old_name="log_score", new_name="log"),
        migrations.AlterField(
            model_name="leaderboardentry",
            name="rule",
            field=models.CharField(choices=scoring.registry.choices, max_length=24),
        ),
    ]
