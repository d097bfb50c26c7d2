"""Test settings: fast hashing, in-memory cache, the database from DATABASE_URL."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not ":memory:": threads in race tests need SQLite's real locking (busy
    # timeout, WAL), which a shared in-memory database does not give. One file per process.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"onewindow-test-{os.getpid()}.sqlite3")
    }
# Serve static files from the source folders, as the live-server browser tests need.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Live-server threads must not keep connections open past a request, or PostgreSQL cannot
# drop the test database at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Tasks run where they are enqueued: a test sees their effect at once.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
