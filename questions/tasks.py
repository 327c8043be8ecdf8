from celery import shared_task

from questions.services import questions_close_due


@shared_task(ignore_result=True)
def close_due_questions() -> list[int]:
    return questions_close_due()
