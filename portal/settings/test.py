"""Settings for the pytest suite: the embedded default unless DATABASE_URL/CELERY_BROKER_URL are set."""

import os
import tempfile

from .base import *  # noqa: F403

SECRET_KEY = os.environ.get("SECRET_KEY") or "test-only-insecure-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # A real directory, so a worker process started by the tests writes where the test process reads.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.path.join(tempfile.gettempdir(), "portal-private-test"), "base_url": None},
    },
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("TEST_CACHE_URL"):
    # The fault tests' gunicorn processes share one cache, as a deployment's processes share Redis, so
    # what one process keeps is dropped for all, and the tests can empty it between tests.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["TEST_CACHE_URL"]}
    }
# Off so the suite's force_login staff tests reach the admin; tests of two-step sign-in turn it on.
PORTAL_STAFF_2FA = False
# Off by default so tests see fresh pages; tests of the page cache turn it on.
PAGE_CACHE_SECONDS = 0

# Jobs run in-process in tests even when a broker is configured; the needs_worker tests point the
# Celery app at the real broker themselves, and the worker they start is told not to be eager.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)  # noqa: F405
# Each test run gets its own queue, so a worker left over from another run (or another checkout on the
# same Redis database) never takes this run's jobs. The worker the tests start is given the same name.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("TEST_CELERY_QUEUE") or f"portal-test-{os.getpid()}"
# That worker writes email as files the tests can count.
if os.environ.get("TEST_EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["TEST_EMAIL_FILE_PATH"]
# A worker process cannot open SQLite's in-memory test database, so with a broker it gets a file.
if CELERY_BROKER_URL and DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.path.join(  # noqa: F405
        tempfile.gettempdir(), f"portal-test-{os.getpid()}.sqlite3"
    )
