"""Settings for the test suite: the base settings with fast password hashing."""

from config.env import env
from config.settings.base import *  # noqa: F403
from config.settings.base import (
    CELERY_BROKER_URL,
    DATABASES,
    VAR_DIR,
    broker_transport_options,
)

# Lets two test runs share one PostgreSQL server without sharing a database.
if env("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_DIR = VAR_DIR / "test-celery-broker"
CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(CELERY_BROKER_URL, CELERY_BROKER_DIR)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Tests see every page freshly rendered; tests/common/test_cache.py turns the cache on.
FORESEER_ANONYMOUS_CACHE_SECONDS = 0
# Each process's memory, whatever CACHE_URL says: the suite empties the cache before every
# test (tests/conftest.py), which must never reach a Redis someone else uses. The rate
# limits and the login lockout keep their real values; tests/throttling and
# tests/accounts/test_lockout.py run them (tests/throttling also on Redis).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "foreseer-tests",
    }
}
