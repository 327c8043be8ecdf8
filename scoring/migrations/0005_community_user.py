"""The system user the community forecast is scored as, created here rather than on
first use, so that reading a leaderboard never writes."""

from django.db import migrations

COMMUNITY_USERNAME = "community"


def create_community_user(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    defaults = {"origin": "system", "is_active": False, "password": "!"}
    # On a new database accounts.0005 may have run already: the key it added is filled by
    # User.save(), which a migration's model does not have.
    if any(f.name == "username_key" for f in User._meta.get_fields()):
        defaults["username_key"] = COMMUNITY_USERNAME
    User.objects.get_or_create(username=COMMUNITY_USERNAME, defaults=defaults)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_email_preferences_sent_email"),
        ("scoring", "0004_analysts_group"),
    ]

    operations = [
        # Kept on the way back: scores may still point at it.
        migrations.RunPython(create_community_user, migrations.RunPython.noop),
    ]
