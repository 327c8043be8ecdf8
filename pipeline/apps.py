from django.apps import AppConfig


class PipelineConfig(AppConfig):
    """Every Celery task, the beat schedule, the chaining between tasks and the sweeps
    that repair lost messages. Services record what happened (`common.after_commit`);
    the handlers registered here decide what runs."""

    name = "pipeline"

    def ready(self) -> None:
        from config.celery import app
        from pipeline.beat import beat_schedule
        from pipeline.handlers import register_handlers

        register_handlers()
        app.conf.beat_schedule = beat_schedule()
