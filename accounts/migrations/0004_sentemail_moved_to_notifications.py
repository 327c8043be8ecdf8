# SentEmail moved to the notifications app. Only the migrations' state changes here: the
# table accounts_sentemail stays as it is and notifications.0001 takes it over.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_email_preferences_sent_email'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='SentEmail')],
            database_operations=[],
        ),
    ]
