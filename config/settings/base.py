"""Settings shared by every environment.

Defaults are chosen so a fresh checkout runs with nothing installed but Python:
SQLite for the database and kombu's file-system transport for Celery.
`DATABASE_URL` and `CELERY_BROKER_URL` switch to PostgreSQL and Redis.
"""

from pathlib import Path

from config.env import BASE_DIR, env

VAR_DIR = Path(env.path("FORESEER_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "common",
    "accounts",
    "questions",
    "forecasts",
    "scoring",
    "notifications",
    "pages",
    "pipeline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "common.middleware.ControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'foreseer.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write to the same file: wait for the
    # lock instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "questions:list"
LOGOUT_REDIRECT_URL = "questions:list"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.path("STATIC_ROOT", default=str(VAR_DIR / "static")))
# WhiteNoise warns on every request when the folder is missing (before collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Email is printed on the console unless EMAIL_BACKEND names SMTP
# (django.core.mail.backends.smtp.EmailBackend) with the server below.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Seconds an SMTP connect or reply may take. Without it a stalled server holds a worker
# forever, and the email tasks (acks_late) are never retried.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Foreseer <foreseer@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address links in emails start with (no request to take it from).
FORESEER_SITE_URL = env("FORESEER_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "common.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.StrictJSONParser",
        "common.parsers.StrictFormParser",
        "common.parsers.StrictMultiPartParser",
    ],
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "common.negotiation.StrictContentNegotiation",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Foreseer API",
    "DESCRIPTION": (
        "Questions drawn from analysis articles, forecasts, resolutions and scores. "
        "Brier scores are the original two-category form: 0 best, 2 worst."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_DIR = env.path("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery-broker"))


def filesystem_broker_options(folder: Path) -> dict[str, object]:
    """kombu's file-system transport: the same folder in and out, so the web
    process and the worker see each other's messages."""
    (folder / "control").mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        # Broadcast (pidbox) messages; kombu's default is ./control in the cwd.
        "control_folder": str(folder / "control"),
    }


CELERY_BROKER_TRANSPORT_OPTIONS = (
    filesystem_broker_options(Path(CELERY_BROKER_DIR))
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {}
)
# The queue every task goes to: set it to keep one deployment's (or one test run's)
# messages apart from other workers on the same broker.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# A worker that dies mid-task must not lose it: acknowledge after the work.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
FORESEER_RESCORE_SWEEP_SECONDS = env.float("FORESEER_RESCORE_SWEEP_SECONDS", default=300.0)
# The beat schedule is the pipeline's: pipeline/beat.py.


# --- Foreseer ---------------------------------------------------------------
# Questions a user must have scores on to be ranked on the leaderboard; the
# others are listed below the line.
FORESEER_LEADERBOARD_MIN_QUESTIONS = env.int("FORESEER_LEADERBOARD_MIN_QUESTIONS", default=3)
# Peer, baseline and log leaderboards divide by max(this, total coverage) (SCORING.md §8).
FORESEER_COVERAGE_FLOOR = env.float("FORESEER_COVERAGE_FLOOR", default=30.0)
# Bootstrap replicates behind each leaderboard interval; the same scope and rule always
# draw the same replicates, so rebuilds are identical. Live (date-window) leaderboards,
# computed per request, use fewer.
FORESEER_BOOTSTRAP_RESAMPLES = env.int("FORESEER_BOOTSTRAP_RESAMPLES", default=1000)
FORESEER_LIVE_BOOTSTRAP_RESAMPLES = env.int("FORESEER_LIVE_BOOTSTRAP_RESAMPLES", default=200)
# Questions per task when a full rescore fans out over the workers.
FORESEER_RESCORE_CHUNK_QUESTIONS = env.int("FORESEER_RESCORE_CHUNK_QUESTIONS", default=250)
# a in logit p* = a * mean(logit p) (SCORING.md §5); `manage.py fit_extremizing` fits it
# on resolved questions. 1.5 is a mild choice inside the published 1.16-3.9 range.
FORESEER_EXTREMIZING_A = env.float("FORESEER_EXTREMIZING_A", default=1.5)
# A forecast on an open question untouched for this many days earns its author a
# reminder (once per forecast); 0 turns reminders off for everyone.
FORESEER_REMINDER_DAYS = env.int("FORESEER_REMINDER_DAYS", default=30)
FORESEER_ARTICLE_QUESTIONS_FILE = env.path(
    "FORESEER_ARTICLE_QUESTIONS_FILE",
    default=str(BASE_DIR / "questions" / "data" / "article_questions.yaml"),
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
