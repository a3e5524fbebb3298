"""Django settings for nahraum.

SQLite under a data directory by default, so that the demo needs no server; PostgreSQL (the
production database) as soon as ``DATABASE_URL`` is set. Everything a deployment changes comes
from environment variables, so one settings module serves the demo, the tests and production.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("NAHRAUM_DATA_DIR", REPO_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("NAHRAUM_SECRET_KEY", "nahraum-insecure-development-key-change-me")
DEBUG = os.environ.get("NAHRAUM_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("NAHRAUM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    # Django's own
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Permissions as predicates (django-rules), checked per object
    "rules.apps.AutodiscoverRulesConfig",
    # nahraum: the region as data, then what is computed on it, then what people do with it
    "nahraum.accounts",
    "nahraum.region",
    "nahraum.scenarios",
    "nahraum.transit",
    "nahraum.analysis",
    "nahraum.participation",
    "nahraum.strategy",
    "nahraum.web",
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "nahraum.web.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nahraum.web.context_processors.site",
            ],
        },
    }
]

WSGI_APPLICATION = "nahraum.web.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'nahraum.sqlite3'}",
        conn_max_age=int(os.environ.get("NAHRAUM_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Imports and runs write in one transaction; a longer timeout keeps a concurrent reader
    # (the demo server while `nahraum analyze` writes) from failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# German first, English second.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Front-end libraries come from the npm registry (package-lock.json) and are served from
# node_modules; nothing of them is copied into the repository.
NODE_MODULES = Path(os.environ.get("NAHRAUM_NODE_MODULES", REPO_DIR / "node_modules"))
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / path)
    for name, path in [
        ("leaflet", "leaflet/dist"),
        ("chart.js", "chart.js/dist"),
        ("axe-core", "axe-core"),
    ]
    if (NODE_MODULES / path).is_dir()
]

MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

EMAIL_BACKEND = os.environ.get(
    "NAHRAUM_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("NAHRAUM_FROM_EMAIL", "nahraum@localhost")

# Background map tiles: configurable, empty means "no tiles" (the data layers still draw).
NAHRAUM_TILE_URL = os.environ.get(
    "NAHRAUM_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
NAHRAUM_TILE_ATTRIBUTION = os.environ.get(
    "NAHRAUM_TILE_ATTRIBUTION", "© OpenStreetMap contributors (ODbL)"
)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("NAHRAUM_LOG_LEVEL", "WARNING")},
}
