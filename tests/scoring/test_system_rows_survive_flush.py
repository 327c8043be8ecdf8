"""Rows that data migrations create come back after a flush, so a transactional test
(which ends in one) never takes them away from the tests after it."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from accounts.models import User
from accounts.roles import ANALYSTS_GROUP
from accounts.usernames import COMMUNITY_USERNAME


@pytest.mark.django_db(transaction=True)
def test_the_analysts_group_and_the_community_user_survive_a_flush():
    call_command("flush", interactive=False, verbosity=0)
    group = Group.objects.get(name=ANALYSTS_GROUP)
    assert group.permissions.filter(codename="view_all_scores").exists()
    community = User.objects.get(username=COMMUNITY_USERNAME)
    assert community.origin == User.Origin.SYSTEM
    assert not community.is_active
    assert not community.has_usable_password()
