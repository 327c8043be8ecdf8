from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """What articles say will happen: outlets, authors and the people they quote, the
    claims found in an article's text with the likelihood their wording implies, and the
    tables that read wording as probability. Scoring treats a tracked claim as a
    forecaster of its own."""

    name = "claims"
