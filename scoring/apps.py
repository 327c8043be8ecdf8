from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def restore_system_rows(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """The Analysts group and the community user are created by data migrations. A flush
    (which ends every transactional test) empties their tables and then sends post_migrate:
    put them back, so that no test depends on running before the first flush. On a real
    migrate they already exist and nothing is written."""
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import ANALYSTS_GROUP
    from scoring.services.scores import community_user

    group, _ = Group.objects.using(using).get_or_create(name=ANALYSTS_GROUP)
    permission = (
        Permission.objects.using(using)
        .filter(content_type__app_label="scoring", codename="view_all_scores")
        .first()
    )
    if permission is not None:
        group.permissions.add(permission)
    community_user(using=using)


class ScoringConfig(AppConfig):
    name = "scoring"

    def ready(self) -> None:
        post_migrate.connect(restore_system_rows, sender=self, dispatch_uid="scoring-system-rows")
