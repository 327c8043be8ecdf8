"""Settings shared by every environment.

Defaults are chosen so a fresh checkout runs with nothing installed but Python:
SQLite for the database and kombu's file-system transport for Celery.
`DATABASE_URL` and `CELERY_BROKER_URL` switch to PostgreSQL and Redis.
"""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

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
    # Swagger UI and Redoc as static files of our own: the API docs load nothing from
    # another site (SPECTACULAR_SETTINGS below).
    "drf_spectacular_sidecar",
    "csp",
    # Locks out a username from an address after repeated failed logins (AXES_* below).
    "axes",
    "common",
    "accounts",
    "questions",
    "forecasts",
    "claims",
    "scoring",
    "discussion",
    "notifications",
    "pages",
    "pipeline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "common.middleware.ControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the account's time zone, else the browser's, else UTC.
    "accounts.middleware.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a login refused for a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
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


def database_for_pooler(database: dict[str, Any], pooler: str) -> dict[str, Any]:
    """The database settings for a connection pooler between Django and PostgreSQL.

    PgBouncer in transaction mode gives each transaction whichever server session is free,
    so nothing may outlive a transaction on the server: no server-side cursors (Django
    opens one for `.iterator()` and keeps it across statements), no prepared statements
    (Django's psycopg backend already turns them off), no session advisory locks (the
    scope locks are `pg_advisory_xact_lock`, released at commit). Django's own persistent
    connections would only pin a pooler slot per thread: the pooler keeps the server
    connections open instead."""
    if pooler == "":
        return database
    if pooler != "pgbouncer":
        raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or pgbouncer, not {pooler!r}.")
    return {**database, "DISABLE_SERVER_SIDE_CURSORS": True, "CONN_MAX_AGE": 0}


# `pgbouncer` when DATABASE_URL points at PgBouncer in transaction mode (docs/deploy.md).
DATABASE_POOLER = env("DATABASE_POOLER", default="")
DATABASES["default"] = database_for_pooler(DATABASES["default"], DATABASE_POOLER)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# The lockout backend first: it refuses a locked-out username before any password is
# checked (accounts/backends.py); ModelBackend then checks the password.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

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
# WhiteNoise serves the apps' static folders directly, and rereads them, in development;
# `make run` keeps this with DEBUG off, so that it shows the site's own error pages.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)
WHITENOISE_AUTOREFRESH = env.bool("WHITENOISE_AUTOREFRESH", default=DEBUG)

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


def local_site_url(host: str, port: str) -> str:
    """Where the development server (`make run`, which exports HOST and PORT) answers, for
    links in emails when FORESEER_SITE_URL is unset: a server listening on every address
    is reached at the loopback one."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


FORESEER_SITE_URL = env(
    "FORESEER_SITE_URL",
    default=local_site_url(env("HOST", default="127.0.0.1"), env("PORT", default="8000")),
).rstrip("/")

# --- Abuse limits: the cache, rate limits, login lockout -------------------------
# The client's address is REMOTE_ADDR, or behind NUM_PROXIES trusted proxies (a TLS proxy
# in front: 1) the address the outermost one saw, from X-Forwarded-For (common.client_ip).
# Left at 0 behind a proxy, every client shares the proxy's address and its limits; set
# above the real count, a client can name its own address in the header.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("NUM_PROXIES must be 0 or more.")

# The socket budget of a Redis cache: as for publishing a task, a Redis that is down or
# silent must cost a request well under a second (the rate limits then let it through).
FORESEER_CACHE_CONNECT_TIMEOUT = env.float("FORESEER_CACHE_CONNECT_TIMEOUT", default=0.3)
FORESEER_CACHE_SOCKET_TIMEOUT = env.float("FORESEER_CACHE_SOCKET_TIMEOUT", default=0.5)


def cache_from_url(url: str) -> dict[str, Any]:
    """The default cache from CACHE_URL (django-environ's cache URLs): Django's own Redis
    backend for `redis://` and `rediss://`, with the socket timeouts above, so the rate
    limits are shared by every web process and replica; `locmemcache://`, the default,
    keeps them in each process's memory (fine for `make run`, per worker under gunicorn)."""
    config: dict[str, Any] = env.cache_url_config(url)
    if url.startswith(("redis://", "rediss://")):
        config["BACKEND"] = "django.core.cache.backends.redis.RedisCache"
        config.setdefault("OPTIONS", {}).update(
            socket_connect_timeout=FORESEER_CACHE_CONNECT_TIMEOUT,
            socket_timeout=FORESEER_CACHE_SOCKET_TIMEOUT,
        )
    return config


CACHES = {"default": cache_from_url(env("CACHE_URL", default="locmemcache://"))}

THROTTLE_RATE = re.compile(r"^(?P<count>[0-9]+)/(?P<period>second|minute|hour|day|s|m|h|d)$")


def throttle_rate(variable: str, default: str) -> str | None:
    """A rate limit from the environment: `COUNT/PERIOD` with a period of second, minute,
    hour or day (`120/minute`, `10/h`); `off` lifts the limit."""
    value = "".join(env(variable, default=default).split()).lower()
    if value in ("off", "none"):
        return None
    if not THROTTLE_RATE.match(value):
        raise ImproperlyConfigured(
            f"{variable} must be COUNT/PERIOD (second, minute, hour or day), e.g. "
            f"{default}, or off; not {value!r}."
        )
    return value


# The DRF throttle scopes (common.throttling, read at each request). A signed-in user is
# counted by account, anyone else by address. Generous for people: a forecaster clicking
# through questions stays far below 120 a minute, and a household or an office signs up
# fewer than 10 accounts an hour; a script hammering the site does not.
FORESEER_THROTTLE_RATES: dict[str, str | None] = {
    # POST /api/auth/signup/ and the sign-up form, per address.
    "signup": throttle_rate("FORESEER_THROTTLE_SIGNUP", "10/hour"),
    # POST /api/auth/token/, per address (the lockout below counts failures per name).
    "token": throttle_rate("FORESEER_THROTTLE_TOKEN", "20/minute"),
    # POST /api/forecasts/ and the question page's forecast form, per user.
    "forecasts": throttle_rate("FORESEER_THROTTLE_FORECASTS", "120/minute"),
    # The staff imports (questions, forecasts), per user.
    "imports": throttle_rate("FORESEER_THROTTLE_IMPORTS", "30/hour"),
    # Staff writes to articles, claims, speakers and outlets through the API, per user.
    "reviews": throttle_rate("FORESEER_THROTTLE_REVIEWS", "300/minute"),
    # Comments, replies, edits, upvotes and shared rationales (API and web), per user.
    "comments": throttle_rate("FORESEER_THROTTLE_COMMENTS", "30/minute"),
    # Following and unfollowing, marking alerts read or seen, and the alert preferences
    # (API and web), per user.
    "following": throttle_rate("FORESEER_THROTTLE_FOLLOWING", "60/minute"),
}

# django-axes: after FORESEER_LOGIN_FAILURE_LIMIT failed logins for one username from one
# address, that pair is refused for FORESEER_LOGIN_COOLOFF_MINUTES (429 with the lockout
# page, or JSON from the API; accounts/lockout.py), however right the password. Counted on
# the web login, the admin's login and the token endpoint alike. A success resets the
# count; a password reset by email clears the name's lockouts. The attempts are kept in
# the database (no Redis needed, the same for every process, listed in the admin; unlock
# with `manage.py axes_reset_username NAME`).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("FORESEER_LOGIN_FAILURE_LIMIT", default=5)
if AXES_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured("FORESEER_LOGIN_FAILURE_LIMIT must be 1 or more.")
AXES_COOLOFF_TIME = timedelta(minutes=env.float("FORESEER_LOGIN_COOLOFF_MINUTES", default=15))
if timedelta(0) >= AXES_COOLOFF_TIME:
    raise ImproperlyConfigured("FORESEER_LOGIN_COOLOFF_MINUTES must be more than 0.")


def lockout_parameters(value: str) -> list[str | list[str]]:
    """FORESEER_LOGIN_LOCKOUT_PARAMETERS: what is locked out, in django-axes' terms.
    Alternatives separated by commas, each a parameter or parameters joined by `+`:
    `username+ip_address` (the default) locks a name from one address only, so an attacker
    cannot lock a person out from elsewhere; `username+ip_address,ip_address` also locks
    an address that fails on many names."""
    known = {"username", "ip_address", "user_agent"}
    alternatives: list[str | list[str]] = []
    for alternative in value.replace(" ", "").split(","):
        parts = alternative.split("+")
        if not alternative or not set(parts) <= known:
            raise ImproperlyConfigured(
                "FORESEER_LOGIN_LOCKOUT_PARAMETERS lists username, ip_address or user_agent, "
                f"joined by + and separated by commas; not {value!r}."
            )
        alternatives.append(parts[0] if len(parts) == 1 else parts)
    return alternatives


AXES_LOCKOUT_PARAMETERS = lockout_parameters(
    env("FORESEER_LOGIN_LOCKOUT_PARAMETERS", default="username+ip_address")
)
AXES_RESET_ON_SUCCESS = True
# A try during the lockout neither counts nor extends it: the lock lifts a fixed time
# after the failure that set it (what Retry-After says), and the attempt's row stops
# growing (each counted failure appends the request's form data to it).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# No row per successful login: the lockout needs only the failures.
AXES_DISABLE_ACCESS_LOG = True
# accounts/admin.py lists the attempts (deleting one unlocks it); the access and failure
# logs are not kept, so their admin pages are not registered.
AXES_ENABLE_ADMIN = False
AXES_CLIENT_IP_CALLABLE = "common.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "common.renderers.BrowsableAPIRenderer",
    ],
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
    # Views name their scope (`throttle_scope`); the rates are FORESEER_THROTTLE_RATES.
    "DEFAULT_THROTTLE_CLASSES": ["common.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": FORESEER_THROTTLE_RATES,
    "NUM_PROXIES": NUM_PROXIES,
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
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A claim's status and a question's share the field name.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "questions.models.Question.Status",
        "ClaimStatusEnum": "claims.models.Claim.Status",
    },
}

# --- Security headers -----------------------------------------------------------
# The site's pages keep their scripts and styles in files under STATIC_URL: no inline
# <script>, no <style> block, no style= attribute (the charts' data are
# <script type="application/json"> blocks, which the browser never runs and CSP ignores).
# Where an inline script or <style> block cannot be a file, it carries the response's
# nonce (`nonce="{{ request.csp_nonce }}"`): NONCE puts it in the header only on the
# responses that used it. The API docs (common/api_docs.py) and the browsable API
# (common/renderers.py) add a few allowances of their own; docs/deploy.md lists them and
# says how to extend the policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# The same rule for older browsers that ignore frame-ancestors.
X_FRAME_OPTIONS = "DENY"
# Django's defaults, spelled out: other sites get no path or query in the Referer, and
# a window this site opens cannot reach back into it (nor it into them).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page uses, off for the page and anything it embeds.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
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


# Publishing a task happens in the request that saved the write (after its commit), so it
# must never hold the request: one attempt, and Redis gets this long to accept the
# connection and to answer each command. A failed publish is logged and left to the sweeps
# (common.after_commit, docs/lifecycle.md). The worker's own long-lived connections read
# only when Redis has sent something, so the short read timeout does not cut their BRPOP.
FORESEER_BROKER_CONNECT_TIMEOUT = env.float("FORESEER_BROKER_CONNECT_TIMEOUT", default=0.3)
FORESEER_BROKER_SOCKET_TIMEOUT = env.float("FORESEER_BROKER_SOCKET_TIMEOUT", default=0.5)


def broker_transport_options(url: str, folder: Path) -> dict[str, object]:
    """The transport options for the broker at `url`: the file-system transport's folders
    (a local write, which fails at once rather than hangs), or Redis's socket timeouts."""
    if url.startswith("filesystem://"):
        return filesystem_broker_options(folder)
    if url.startswith(("redis://", "rediss://", "redis+socket://")):
        return {
            "socket_connect_timeout": FORESEER_BROKER_CONNECT_TIMEOUT,
            "socket_timeout": FORESEER_BROKER_SOCKET_TIMEOUT,
        }
    return {}


CELERY_BROKER_TRANSPORT_OPTIONS = broker_transport_options(
    CELERY_BROKER_URL, Path(CELERY_BROKER_DIR)
)
# kombu's budget for (re)connecting before a publish (Celery's default is 4 s, and without
# a socket timeout a broker that accepts and never answers holds the publish for good).
CELERY_BROKER_CONNECTION_TIMEOUT = FORESEER_BROKER_CONNECT_TIMEOUT
# Celery retries a failed publish three times by default (about 0.6 s against a refused
# port, four times the socket timeout against a silent one): once is enough, as the
# sweeps repair a lost message and a task publishing from the worker retries as a whole.
# The worker's reconnection (broker_connection_retry) is left on.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
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
# Sends only while it holds a lease in Redis: a second beat stands by (pipeline/beat.py).
CELERY_BEAT_SCHEDULER = "pipeline.beat:SingleBeatScheduler"
FORESEER_RESCORE_SWEEP_SECONDS = env.float("FORESEER_RESCORE_SWEEP_SECONDS", default=300.0)
# A fanned-out rescore in which no chunk was sent, taken or finished for this long has lost
# a message (a chunk of 250 questions takes about a second): the chunk sweep, which runs
# this often too (or every sweep period, if that is shorter), sends its unfinished chunks
# again. Without it a killed worker's chunk waits for Redis's visibility timeout, an hour.
FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS = env.float(
    "FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS", default=120.0
)
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
# Below these samples a calibration report shows its counts but draws no verdict: the
# total weight of the forecasts counted (each forecaster's forecasts on a question weigh
# 1 in all), and the weight in one bin (SCORING.md §6).
FORESEER_CALIBRATION_MIN_FORECASTS = env.int("FORESEER_CALIBRATION_MIN_FORECASTS", default=50)
FORESEER_CALIBRATION_MIN_BIN = env.int("FORESEER_CALIBRATION_MIN_BIN", default=10)
# Scored claims a source (an article, author, speaker or outlet) needs beside the crowd
# before its track record gives a verdict; below it the page says the sample is too small
# (docs/track-records.md). The track-record leaderboard shows this many of the best
# forecasters beside the sources, each with at least as many of the same questions.
FORESEER_TRACK_RECORD_MIN_CLAIMS = env.int("FORESEER_TRACK_RECORD_MIN_CLAIMS", default=5)
FORESEER_TRACK_RECORD_BEST_FORECASTERS = env.int(
    "FORESEER_TRACK_RECORD_BEST_FORECASTERS", default=5
)
# Questions per task when a full rescore fans out over the workers.
FORESEER_RESCORE_CHUNK_QUESTIONS = env.int("FORESEER_RESCORE_CHUNK_QUESTIONS", default=250)
# a in logit p* = a * mean(logit p) (SCORING.md §5); `manage.py fit_extremizing` fits it
# on resolved questions. 1.5 is a mild choice inside the published 1.16-3.9 range.
FORESEER_EXTREMIZING_A = env.float("FORESEER_EXTREMIZING_A", default=1.5)
# A forecast on an open question untouched for this many days earns its author a
# reminder (once per forecast); 0 turns reminders off for everyone.
FORESEER_REMINDER_DAYS = env.int("FORESEER_REMINDER_DAYS", default=30)
# How often the beat emails the alerts of forecasters who want them at once.
FORESEER_ALERT_EMAIL_SECONDS = env.float("FORESEER_ALERT_EMAIL_SECONDS", default=300.0)
# Seconds the question list, a question page, an article page and the questions API keep a
# page rendered for anonymous visitors (everyone identified gets a fresh one); 0 turns it
# off. The community forecast itself updates in the background within seconds.
FORESEER_ANONYMOUS_CACHE_SECONDS = env.int("FORESEER_ANONYMOUS_CACHE_SECONDS", default=10)
# How long a forecast submission's idempotency key is remembered (forecasts.ForecastRequest;
# pruned daily by beat). At least a day: a client retrying after a long outage, or an
# offline queue flushed the next morning, still stores its forecast once.
FORESEER_IDEMPOTENCY_KEY_DAYS = max(1, env.int("FORESEER_IDEMPOTENCY_KEY_DAYS", default=7))
# How long after writing a comment its author may still edit it (an edited comment is
# marked "edited", and its earlier bodies are kept).
FORESEER_COMMENT_EDIT_WINDOW = timedelta(
    minutes=max(0.0, env.float("FORESEER_COMMENT_EDIT_WINDOW_MINUTES", default=15.0))
)
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
