"""Django settings for mobilize-sync.

Everything that differs between machines comes from the environment (django-environ).
With no environment at all the embedded default applies: SQLite, a Celery broker in a local
folder (`make run` starts the worker and beat), the in-process rate limiter, and (with
DJANGO_DEBUG=1) the sandbox switched on.
"""

from __future__ import annotations

from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    SANDBOX_ENABLED=(bool, False),
)
# A local .env (`make run` writes one for development) fills in what the environment leaves
# unset. The test settings turn it off, so a developer's .env never changes what tests see.
if env.bool("DJANGO_READ_ENV_FILE", default=True):
    environ.Env.read_env(env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

# The embedded default is a development setup: `make run` exports DJANGO_DEBUG=1.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-secret-key-change-me" if DEBUG else None)
if not SECRET_KEY:
    # Refuse to start rather than run production with no (or a guessable) signing key.
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: outside development (DJANGO_DEBUG=1) it must come from the environment "
        "or .env, a long random string."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "integrations",
]

# The sandbox emulates the external APIs; it is never on in production.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)
if SANDBOX_ENABLED:
    INSTALLED_APPS += [
        "sandbox",
        "sandbox.mobilize",
        "sandbox.actionkit",
        "sandbox.pdi",
        "sandbox.ascend",
        "sandbox.mobilecommons",
        "sandbox.actionnetwork",
    ]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Short links (/l/<code>) are answered here, without the middleware below (integrations/links.py).
    "integrations.links.ShortLinkMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mobilize_sync.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # {% load sync_admin %}: the admin dashboard (integrations/admin/dashboard.py).
            "libraries": {"sync_admin": "integrations.admin.dashboard"},
        },
    },
]

WSGI_APPLICATION = "mobilize_sync.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Keep a connection per web worker (thread) between requests instead of opening one per request:
# on PostgreSQL a new connection costs more than the short-link redirect's whole query (README,
# "Load on /l/<code>"). Checked before reuse, so a restarted database costs one failed request, not many.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the Celery worker's threads and beat share the file. WAL lets readers go on
    # while one connection writes; IMMEDIATE takes the write lock when a transaction starts, so a
    # transaction that reads and then writes waits its turn (timeout, seconds) instead of failing
    # with "database is locked" when another process wrote in between.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Redis, Celery -------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Without Redis (the embedded default) the broker is a folder: `make run` starts a real worker and
# beat beside the web server with no server to install (mobilize_sync/broker.py).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = "mobilize_sync.broker:Transport"
# Where the embedded default keeps its broker folders and `make run` its logs.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
BROKER_DIR = Path(env("BROKER_DIR", default=str(VAR_DIR / "broker")))
CELERY_RESULT_BACKEND = None
# Tasks go to a worker, as in production; the test settings make them eager.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
# Runs are acknowledged as they start (tasks.py says why): a killed run is recovered by the
# beat task below within a minute, never redelivered by the broker's visibility timeout.
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker takes a message only when it can start it: a killed worker holds no waiting
# message that Redis would hand out again after its visibility timeout (an hour).
CELERY_WORKER_DISABLE_PREFETCH = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "recover-interrupted-runs": {
        "task": "integrations.recover_interrupted_runs",
        "schedule": env.float("SYNC_RECOVERY_EVERY_SECONDS", default=60.0),
    },
}
CELERY_TIMEZONE = TIME_ZONE

# --- Clicks on short links (integrations/clicks.py) ---------------------------------------------
# Where the redirect /l/<code> queues its clicks (a Redis URL): a beat task writes them as Click rows
# every CLICK_DRAIN_SECONDS, and reports drain the queue before they read. Empty (the embedded
# default, no Redis): each click is written in the request.
CLICK_QUEUE_URL = env("CLICK_QUEUE_URL", default=REDIS_URL)
CLICK_DRAIN_SECONDS = env.int("CLICK_DRAIN_SECONDS", default=5)
CLICK_DRAIN_BATCH = env.int("CLICK_DRAIN_BATCH", default=1000)
# A click waits at most this long for Redis before it is written in the request instead.
CLICK_QUEUE_TIMEOUT_SECONDS = env.float("CLICK_QUEUE_TIMEOUT_SECONDS", default=0.5)

# --- Secrets at rest --------------------------------------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation: prepend a new key,
# run `manage.py rotate_keys`, then drop the old one).
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    default=["dGVzdC1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q="] if DEBUG else [],
)
_how_to_generate = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
if not FIELD_ENCRYPTION_KEYS:
    # Without a key no credential can be stored or read: fail at start, not at the first save.
    raise ImproperlyConfigured(
        f"FIELD_ENCRYPTION_KEYS is not set: outside development it must come from the environment or .env "
        f"(comma-separated Fernet keys, the first encrypts); generate one with {_how_to_generate}"
    )
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key.encode())
    except ValueError:
        # The message never repeats the value: a mistyped key is still (almost) a secret.
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes); "
            f"generate one with {_how_to_generate}"
        ) from None

# --- Remote systems -----------------------------------------------------------------------
# Outside development every remote base URL must be https and its host on this list.
REMOTE_HOST_ALLOWLIST = env.list(
    "REMOTE_HOST_ALLOWLIST",
    default=[
        "api.mobilize.us",
        "staging-api.mobilize.us",
        "*.actionkit.com",
        "api.bluevote.com",
        "apiqa.bluevote.com",
        "actionnetwork.org",
        "secure.mcommons.com",
    ],
)
ALLOW_INSECURE_REMOTES = env.bool("ALLOW_INSECURE_REMOTES", default=DEBUG)
MOBILIZE_DEFAULT_BASE_URL = env("MOBILIZE_DEFAULT_BASE_URL", default="https://api.mobilize.us/v1")
HTTP_TIMEOUT_SECONDS = env.float("HTTP_TIMEOUT_SECONDS", default=30.0)
HTTP_MAX_ATTEMPTS = env.int("HTTP_MAX_ATTEMPTS", default=6)
# Upper bound of one exponential backoff sleep; tests shrink it.
HTTP_BACKOFF_MAX_SECONDS = env.float("HTTP_BACKOFF_MAX_SECONDS", default=60.0)
HTTP_BACKOFF_INITIAL_SECONDS = env.float("HTTP_BACKOFF_INITIAL_SECONDS", default=1.0)
# Rate limits per remote origin, "N/second" in the `limits` notation.
# Mobilize allows 15 GET/s per IP. One under: our window opens when a request is sent, theirs
# when it arrives, and a few ms of jitter would otherwise put a 16th request into their second.
MOBILIZE_READ_RATE = env("MOBILIZE_READ_RATE", default="14/second")
MOBILIZE_WRITE_RATE = env("MOBILIZE_WRITE_RATE", default="5/second")
# ActionKit documents no rate limit; stay well inside what a shared instance tolerates.
ACTIONKIT_READ_RATE = env("ACTIONKIT_READ_RATE", default="10/second")
ACTIONKIT_WRITE_RATE = env("ACTIONKIT_WRITE_RATE", default="5/second")
# PDI documents no rate limit either (apis.md section 3); the same cautious rates.
PDI_READ_RATE = env("PDI_READ_RATE", default="10/second")
PDI_WRITE_RATE = env("PDI_WRITE_RATE", default="5/second")
# Records per page of PDI lists (`limit`); PDI refuses more than 2,000 (the client clamps to it).
PDI_PAGE_SIZE = env.int("PDI_PAGE_SIZE", default=500)
# Ascend documents no rate limit (docs/connectors/ascend.md); the same cautious rates.
ASCEND_READ_RATE = env("ASCEND_READ_RATE", default="10/second")
ASCEND_WRITE_RATE = env("ASCEND_WRITE_RATE", default="5/second")
# Action Network allows about 4 requests per second per API token (apis.md section 4), reads and
# writes together: one window per token, shared by every worker (docs/connectors/actionnetwork.md).
ACTIONNETWORK_RATE = env("ACTIONNETWORK_RATE", default="4/second")
# Mobile Commons allows 160 concurrent calls per company and documents no rate
# (docs/connectors/mobilecommons.md); reads and writes share this one budget.
MOBILECOMMONS_RATE = env("MOBILECOMMONS_RATE", default="10/second")
RATE_LIMIT_STORAGE_URL = env("RATE_LIMIT_STORAGE_URL", default=REDIS_URL or "memory://")

# --- Engine ---------------------------------------------------------------------------------
SYNC_WATERMARK_OVERLAP_SECONDS = env.int("SYNC_WATERMARK_OVERLAP_SECONDS", default=300)
# The per-integration lock's lease without a heartbeat (a heartbeat thread renews it every third);
# a holder silent for this long is dead. engine/lock.py explains the lock.
SYNC_LOCK_TTL_SECONDS = env.float("SYNC_LOCK_TTL_SECONDS", default=60.0)

# --- The Mobilize mirror (integrations/mirror/README.md) ------------------------------------------
# How often the beat task looks for organizations to refresh (a django-celery-beat interval).
MIRROR_REFRESH_SECONDS = env.int("MIRROR_REFRESH_SECONDS", default=30)
# Longest interval an organization without changes backs off to.
MIRROR_IDLE_MAX_SECONDS = env.int("MIRROR_IDLE_MAX_SECONDS", default=300)
# Reading time one refresh may take before it saves its page cursors and yields to others.
MIRROR_REFRESH_SLICE_SECONDS = env.float("MIRROR_REFRESH_SLICE_SECONDS", default=8.0)
# The organization and its promoted organizations change rarely: read them this often.
MIRROR_ORGANIZATIONS_EVERY_SECONDS = env.int("MIRROR_ORGANIZATIONS_EVERY_SECONDS", default=300)
# A run queued by a mirror change blocks another fan-out to it for at most this long.
MIRROR_FAN_OUT_TTL_SECONDS = env.int("MIRROR_FAN_OUT_TTL_SECONDS", default=900)
# Records of events that ended more than this many days ago are purged (personal data).
MIRROR_RETENTION_DAYS = env.int("MIRROR_RETENTION_DAYS", default=730)

# --- Sandbox ----------------------------------------------------------------------------------
SANDBOX_BASE_URL = env("SANDBOX_BASE_URL", default="http://127.0.0.1:8000/sandbox")
SANDBOX_GET_RATE = env("SANDBOX_GET_RATE", default="15/second")
# How many results the emulated search backend returns at most (Mobilize's `results_limited_to`).
SANDBOX_MOBILIZE_SEARCH_LIMIT = env.int("SANDBOX_MOBILIZE_SEARCH_LIMIT", default=1000)
SANDBOX_TIMEOUT_FAULT_SECONDS = env.float("SANDBOX_TIMEOUT_FAULT_SECONDS", default=35.0)
# How long a session of the emulated PDI lasts (an API user's own `session_seconds` defaults to it).
SANDBOX_PDI_SESSION_SECONDS = env.int("SANDBOX_PDI_SESSION_SECONDS", default=3600)
# Requests per OSDI API token the emulated Action Network answers before a 429 (its ~4/second).
SANDBOX_ACTIONNETWORK_RATE = env("SANDBOX_ACTIONNETWORK_RATE", default="4/second")

# Faults imposed on every sandbox request of this process (see sandbox/faults.py); tests set it.
SANDBOX_FAULTS: list[dict] = []

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "mobilize-sync API",
    "DESCRIPTION": "Integrations, sync runs and their items, scoped to the caller's organizations.",
    "VERSION": "1",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"urllib3": {"level": "WARNING"}},
}

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
