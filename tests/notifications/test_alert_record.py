import pytest

from notifications.models import Alert
from notifications.services import alert_record
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_event_recorded_twice_gives_each_user_one_alert():
    alice, bob = UserFactory(), UserFactory()
    question = QuestionFactory()
    args = dict(
        kind=Alert.Kind.CLARIFICATION,
        key="clarification:7",
        summary="Clarified",
        url=f"/questions/{question.slug}/",
        question=question,
    )
    assert alert_record(users=[alice], **args) == 1
    assert alert_record(users=[alice, bob], **args) == 1
    assert alert_record(users=[alice, bob], **args) == 0
    assert Alert.objects.filter(key="clarification:7").count() == 2


def test_no_users_records_nothing():
    assert alert_record(users=[], kind=Alert.Kind.MENTION, key="c:1", summary="s", url="/") == 0
