# SentEmail moved here from accounts. Its table was created by accounts.0003 and keeps its
# name (accounts_sentemail), its constraint and its index: this migration creates the model
# in the migrations' state only, and moves its content type (with its permissions) along.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_to_notifications(apps, schema_editor):
    """An existing database has an accounts | sent email content type; rename it rather
    than leave it stale beside a new one."""
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    types = ContentType.objects.using(db)
    if not types.filter(app_label='notifications', model='sentemail').exists():
        types.filter(app_label='accounts', model='sentemail').update(app_label='notifications')


def content_type_to_accounts(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    db = schema_editor.connection.alias
    types = ContentType.objects.using(db)
    if not types.filter(app_label='accounts', model='sentemail').exists():
        types.filter(app_label='notifications', model='sentemail').update(app_label='accounts')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0003_email_preferences_sent_email'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SentEmail',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('resolution', 'A question you forecast was resolved'), ('reminder', 'Reminder to update a forecast'), ('digest', 'Questions awaiting resolution')], max_length=16)),
                        ('key', models.CharField(max_length=120)),
                        ('sent_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sent_emails', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'accounts_sentemail',
                        'indexes': [models.Index(fields=['kind', 'sent_at'], name='accounts_se_kind_57b441_idx')],
                        'constraints': [models.UniqueConstraint(fields=('user', 'kind', 'key'), name='sent_email_once')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_notifications, content_type_to_accounts),
    ]
