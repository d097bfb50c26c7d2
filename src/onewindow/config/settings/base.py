"""Settings shared by every environment, read from the environment.

`DATABASE_URL` picks SQLite (the default, WAL mode) or PostgreSQL. `DEBUG` is off unless
`ONEWINDOW_DEBUG=1`. Outside production a missing `SECRET_KEY` is generated once and kept in
`var/secret_key`; production settings refuse to start without one.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]
PROJECT_DIR = BASE_DIR.parents[1]
VAR_DIR = Path(os.environ.get("ONEWINDOW_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" are true)."""
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("ONEWINDOW_DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "onewindow.core",
    "onewindow.accounts",
    "onewindow.audit",
    "onewindow.geo",
    "onewindow.registry",
    "onewindow.applications",
    "onewindow.permits",
    "onewindow.policies",
    "onewindow.consolidation",
    "onewindow.services",
    "onewindow.monitoring",
    "onewindow.portal",
    "onewindow.backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "onewindow.core.middleware.ContentSecurityPolicyMiddleware",
    "onewindow.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "onewindow.config.urls"
WSGI_APPLICATION = "onewindow.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'onewindow.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue instead of failing half-way with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Background work (Django's tasks API, django-tasks backport): tasks wait in the database and
# `onewindow db_worker` (started by `onewindow serve`) runs them; the nightly monitoring task
# re-enqueues itself for the next night.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("ONEWINDOW_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

CACHES = {
    "default": {
        # A database cache is shared by every worker process, which sign-in rate limiting needs.
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "onewindow_cache",
    }
}
RATELIMIT_USE_CACHE = "default"
LOGIN_RATE = os.environ.get("ONEWINDOW_LOGIN_RATE", "10/m")

LANGUAGE_CODE = "zh-hans"
# Each language's own name for itself (the language menu and the directory's filter show it).
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
    ("fr", "Français"),
    ("ar", "العربية"),
    ("ru", "Русский"),
    ("ko", "한국어"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("ONEWINDOW_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

OTP_TOTP_ISSUER = "OneWindow"

# Permits: the public address printed in QR codes, and the card's CJK font (path#index).
PUBLIC_BASE_URL = os.environ.get("ONEWINDOW_PUBLIC_BASE_URL", "")

# Record linkage: a pair scored at or above AUTO is linked, between REVIEW and AUTO it goes to
# an officer, below REVIEW the records stay distinct (match probabilities, 0-1).
LINKAGE_AUTO_THRESHOLD = float(os.environ.get("ONEWINDOW_LINKAGE_AUTO", "0.9"))
LINKAGE_REVIEW_THRESHOLD = float(os.environ.get("ONEWINDOW_LINKAGE_REVIEW", "0.5"))
PERMIT_CARD_FONT = os.environ.get(
    "ONEWINDOW_PERMIT_CARD_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc#0"
)

# Notifications by e-mail: the console in development and the demo; SMTP in production.
EMAIL_BACKEND = os.environ.get(
    "ONEWINDOW_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("ONEWINDOW_FROM_EMAIL", "onewindow@localhost")

# Search: results per page and the shortest name prefix that is searched by prefix.
SEARCH_PAGE_SIZE = 20
SEARCH_MIN_PREFIX = 2

CITY_NAME = _("Guangzhou")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ONEWINDOW_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint reports each layout step at INFO (certificates)
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
