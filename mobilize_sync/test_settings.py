"""Settings for the test suite: the production settings with the sandbox on, eager tasks and fast backoff.

DATABASE_URL and REDIS_URL still come from the environment, so `make test` runs against
PostgreSQL and Redis when they are set (as CI does) and SQLite otherwise.
"""

import os
from urllib.parse import urlsplit

# What a developer's .env says (`make run` writes DJANGO_DEBUG=1 and keys there) never reaches
# the tests: only the environment and the defaults below do.
os.environ["DJANGO_READ_ENV_FILE"] = "0"
os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("SANDBOX_ENABLED", "1")
os.environ.setdefault("ALLOW_INSECURE_REMOTES", "1")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q=")
os.environ.setdefault("HTTP_BACKOFF_INITIAL_SECONDS", "0.01")
os.environ.setdefault("HTTP_BACKOFF_MAX_SECONDS", "0.05")
os.environ.setdefault("HTTP_TIMEOUT_SECONDS", "5")
os.environ.setdefault("SANDBOX_TIMEOUT_FAULT_SECONDS", "6")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# Clicks on short links are written in the request unless a test queues them (tests/links/test_clicks.py):
# a test that counts Click rows right after a redirect need not drain a queue first.
os.environ.setdefault("CLICK_QUEUE_URL", "")
# The suite was written against a database connection per request (Django's default); production
# keeps connections (settings.py, DB_CONN_MAX_AGE).
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
# The ActionKit sandbox is local and documents no limit: end-to-end tests need not wait on it.
os.environ.setdefault("ACTIONKIT_READ_RATE", "200/second")
os.environ.setdefault("ACTIONKIT_WRITE_RATE", "200/second")
os.environ.setdefault("PDI_READ_RATE", "200/second")
os.environ.setdefault("PDI_WRITE_RATE", "200/second")
os.environ.setdefault("ASCEND_READ_RATE", "200/second")
os.environ.setdefault("ASCEND_WRITE_RATE", "200/second")
os.environ.setdefault("ACTIONNETWORK_RATE", "200/second")
os.environ.setdefault("MOBILECOMMONS_RATE", "200/second")
# The emulated Action Network answers 4 requests/s per token like the real one; tests that are not
# about that limit must not wait on it (the rate-limit tests set their own).
os.environ.setdefault("SANDBOX_ACTIONNETWORK_RATE", "100000/second")

from .settings import *  # noqa: F403

# Parallel test workers (pytest-xdist) each get their own Redis database for rate-limit
# windows, so one worker resetting its windows never disturbs another's measurements.
# TEST_REDIS_DB_BASE lets two suites share one Redis server without sharing windows.
if REDIS_URL:  # noqa: F405
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    _base = int(os.environ.get("TEST_REDIS_DB_BASE", "10"))
    RATE_LIMIT_STORAGE_URL = urlsplit(REDIS_URL)._replace(path=f"/{_base + int(_worker or 0)}").geturl()  # noqa: F405

# On SQLite the suite uses a database file per test worker rather than Django's shared in-memory
# database: the live server's request threads then open connections of their own instead of
# borrowing the test thread's (which Django refuses to close from another thread).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # Per worker and per run (pid), so two suites running at once never share a file.
    _name = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".pytest-db" / _name)}  # noqa: F405
    (BASE_DIR / ".pytest-db").mkdir(exist_ok=True)  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
