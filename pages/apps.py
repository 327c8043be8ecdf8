from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The pages and API endpoints that put several apps together: a question with its
    community forecast, your forecasts and scores; your record; the staff pages that
    count forecasts. Pages that need only one app stay in that app."""

    name = "pages"
