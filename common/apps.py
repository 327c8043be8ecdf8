from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Code every app may use and that knows none of them: bulk I/O, CSV writing, the
    API's error and CSV glue, the site's template tags and static files, and the
    after-commit event API that services record what happened through."""

    name = "common"
