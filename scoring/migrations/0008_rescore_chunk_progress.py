"""Where each chunk of a fanned-out rescore is: when its message was sent, how many were
sent, when a worker took it. The sweep re-sends the unfinished chunks of a run that has
stopped moving. Chunks from before have no times: an unfinished one is re-sent by the
first sweep, which is what an old run stuck for want of a lost message needs."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0007_forecasts_seen"),
    ]

    operations = [
        migrations.AddField(
            model_name="rescorechunk",
            name="sends",
            field=models.PositiveSmallIntegerField(
                db_default=1,
                default=1,
                help_text="Messages sent for it: 1, and one more for each re-send.",
            ),
        ),
        migrations.AddField(
            model_name="rescorechunk",
            name="sent_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When its message was last sent (or queued on commit).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="rescorechunk",
            name="started_at",
            field=models.DateTimeField(
                blank=True, help_text="When a worker last took it.", null=True
            ),
        ),
    ]
