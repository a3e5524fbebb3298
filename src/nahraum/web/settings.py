"""Django settings for nahraum.

SQLite under a data directory by default, so that the demo needs no server; PostgreSQL (the
production database) as soon as ``DATABASE_URL`` is set. Everything a deployment changes comes
from environment variables (``docs/operating.md`` lists them with their defaults), so one settings
module serves the demo, the tests and production.

Secure by default: ``DEBUG`` is off unless ``NAHRAUM_DEBUG=1``; a missing secret key is a start-up
error except for the demo (``nahraum demo`` writes a random key into the data directory) and the
test suite; behind HTTPS (``NAHRAUM_HTTPS=1``) cookies are Secure and HSTS is sent.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("NAHRAUM_DATA_DIR", REPO_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

#: Under pytest the suite brings its own key, cache and job backend (tests/conftest.py).
TESTING = "pytest" in sys.modules


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


#: The key file `nahraum demo` writes on first start, so that a demo machine needs no set-up.
SECRET_KEY_FILE = Path(os.environ.get("NAHRAUM_SECRET_KEY_FILE", DATA_DIR / "secret-key"))


def _secret_key() -> str:
    key = os.environ.get("NAHRAUM_SECRET_KEY", "").strip()
    if key:
        return key
    if SECRET_KEY_FILE.is_file():
        return SECRET_KEY_FILE.read_text().strip()
    if os.environ.get("NAHRAUM_DEMO") == "1":
        SECRET_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        SECRET_KEY_FILE.write_text(key + "\n")
        SECRET_KEY_FILE.chmod(0o600)
        return key
    if TESTING:
        return "nahraum-test-suite-only-" + "x" * 40
    raise ImproperlyConfigured(
        "NAHRAUM_SECRET_KEY ist nicht gesetzt / is not set. Erzeugen / generate one with: "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))' and set it in the "
        "environment (docs/operating.md), or start the demo with `nahraum demo`."
    )


SECRET_KEY = _secret_key()
DEBUG = _flag("NAHRAUM_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("NAHRAUM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
# Origins allowed to post forms when served behind a proxy under another name, e.g.
# "https://beteiligung.lemgo.de".
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("NAHRAUM_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# --- HTTPS and security headers (Django's deployment checklist) --------------------------------
#: Served over HTTPS (directly or behind a proxy that terminates TLS).
HTTPS = _flag("NAHRAUM_HTTPS")
if _flag("NAHRAUM_PROXY_SSL_HEADER", "1" if HTTPS else "0"):
    # The proxy in front says which scheme the visitor used; only set this behind a proxy that
    # overwrites the header, never when clients reach the application server directly.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's probe speaks plain HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script of ours reads it: forms carry the token
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "nahraum.web.views.csrf_failure"  # German page, not Django's English one
SECURE_HSTS_SECONDS = int(os.environ.get("NAHRAUM_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("NAHRAUM_HSTS_INCLUDE_SUBDOMAINS", "1")
SECURE_HSTS_PRELOAD = _flag("NAHRAUM_HSTS_PRELOAD")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    # Preloading is a decision for the whole domain (hstspreload.org, hard to undo) that the
    # town's IT takes, not a default of one application: NAHRAUM_HSTS_PRELOAD=1 opts in.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

INSTALLED_APPS = [
    # Django's own
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Background jobs: Django's Tasks API (django-tasks, built into Django 6) on the database
    "django_tasks",
    "django_tasks_db",
    # Content-Security-Policy header and nonces
    "csp",
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
    "nahraum.jobs",
    "nahraum.web",
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # Django's ModelBackend with the login throttle in front (every login path passes here)
    "nahraum.accounts.backends.ThrottledModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

MIDDLEWARE = [
    "nahraum.ops.logs.RequestLogMiddleware",  # outermost: request id and one access line each
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the application server: compressed, cache-busted names.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "nahraum.accounts.middleware.DeviceCookieMiddleware",  # remembers a browser after a login
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
    # (the demo server while `nahraum analyze` writes) from failing at once. WAL lets the web
    # workers read while the job worker writes; IMMEDIATE transactions take the write lock at
    # the start instead of failing half-way with "database is locked" when two processes write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

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
STATIC_ROOT = Path(os.environ.get("NAHRAUM_STATIC_ROOT", DATA_DIR / "static"))
# WhiteNoise warns on every start (and in every test) while the folder does not exist yet.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (cache for a year) and gzip/brotli copies, written by collectstatic, which
    # `nahraum serve` and `nahraum demo` run; before that, plain names (web/staticstorage.py).
    # The tests serve the source files directly.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING and not _flag("NAHRAUM_STATIC_MANIFEST")
        else "nahraum.web.staticstorage.StaticStorage"
    },
}
WHITENOISE_USE_FINDERS = TESTING or not (STATIC_ROOT / "staticfiles.json").is_file()
WHITENOISE_MANIFEST_STRICT = False
# Front-end libraries come from the npm registry (package-lock.json) and are served from
# node_modules, only the files the pages load (web/finders.py); nothing of them is copied into
# the repository.
NODE_MODULES = Path(os.environ.get("NAHRAUM_NODE_MODULES", REPO_DIR / "node_modules"))
NAHRAUM_VENDOR_FILES = [
    ("leaflet/leaflet.js", "leaflet/dist/leaflet.js"),
    ("leaflet/leaflet.js.map", "leaflet/dist/leaflet.js.map"),
    ("leaflet/leaflet.css", "leaflet/dist/leaflet.css"),
    *(
        (f"leaflet/images/{name}", f"leaflet/dist/images/{name}")
        for name in (
            "layers.png",
            "layers-2x.png",
            "marker-icon.png",
            "marker-icon-2x.png",
            "marker-shadow.png",
        )
    ),
    ("chart.js/chart.umd.js", "chart.js/dist/chart.umd.js"),
    ("chart.js/chart.umd.js.map", "chart.js/dist/chart.umd.js.map"),
]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "nahraum.web.finders.VendorFinder",
]

MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "media/"

# Mail: an SMTP relay when NAHRAUM_EMAIL_HOST is set; otherwise files under DATA_DIR/mail (the
# demo and tests read confirmation links there).
EMAIL_HOST = os.environ.get("NAHRAUM_EMAIL_HOST", "").strip() or "localhost"
EMAIL_PORT = int(os.environ.get("NAHRAUM_EMAIL_PORT", "587" if EMAIL_HOST != "localhost" else "25"))
EMAIL_HOST_USER = os.environ.get("NAHRAUM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("NAHRAUM_EMAIL_PASSWORD", "")
EMAIL_USE_SSL = _flag("NAHRAUM_EMAIL_SSL")
EMAIL_USE_TLS = _flag(
    "NAHRAUM_EMAIL_TLS", "0" if EMAIL_USE_SSL or EMAIL_HOST == "localhost" else "1"
)
EMAIL_TIMEOUT = 30
EMAIL_BACKEND = os.environ.get(
    "NAHRAUM_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("NAHRAUM_EMAIL_HOST", "").strip()
    else "django.core.mail.backends.filebased.EmailBackend",
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

# --- Content-Security-Policy (django-csp): no inline script anywhere; styles from our files ----
_tile_origin = ""
if NAHRAUM_TILE_URL:
    _parts = urlsplit(NAHRAUM_TILE_URL)
    _tile_origin = f"{_parts.scheme}://{_parts.netloc.replace('{s}', '*')}"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *([_tile_origin] if _tile_origin else [])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Cache: Redis when configured (shared by every web and job worker, on any machine) ---------
REDIS_URL = os.environ.get("NAHRAUM_REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("NAHRAUM_CACHE_PREFIX", "nahraum"),
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Without Redis: files in the data directory, shared by all workers on this one machine.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# --- Background jobs: the database is the queue (no extra server); `nahraum worker` runs them --
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "NAHRAUM_TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}

# --- Logs: one line per event on stderr (journald takes it from there), JSON when asked; every
# line of a request carries its id (nahraum.ops.logs). NAHRAUM_LOG_LEVEL is for everything but
# the one access line per request (INFO), which NAHRAUM_ACCESS_LOG=0 silences.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "nahraum.ops.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"()": "nahraum.ops.logs.TextFormatter"},
        "json": {"()": "nahraum.ops.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json"
            if os.environ.get("NAHRAUM_LOG_FORMAT", "text").strip().lower() == "json"
            else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("NAHRAUM_LOG_LEVEL", "WARNING")},
    "loggers": {
        # Django's own console handler (debug only) would print its lines twice: ours only.
        "django": {"handlers": [], "level": os.environ.get("NAHRAUM_LOG_LEVEL", "WARNING")},
        "nahraum.request": {"level": "INFO" if _flag("NAHRAUM_ACCESS_LOG", "1") else "WARNING"},
    },
}
