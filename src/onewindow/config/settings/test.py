"""Test settings: fast hashing, in-memory cache, the database from DATABASE_URL."""

from .base import *  # noqa: F403
from .base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
# Serve static files from the source folders, as the live-server browser tests need.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Live-server threads must not keep connections open past a request, or PostgreSQL cannot
# drop the test database at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0
