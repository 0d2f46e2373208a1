"""Ship or Skip settings: one file, read from the environment (see .env.example and the README)."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from shipskip.database import database_url
from shipskip.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-used-with-debug-off"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "csp",
    "django_htmx",
    "template_partials",
    "shipskip",
    "accounts",
    "throttle",
    "comparisons",
    "votes",
    "newsletter",
    "api",
    "ops",
]

MIDDLEWARE = [
    "shipskip.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "shipskip.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shipskip.middleware.HtmxMiddleware",  # django-htmx's, a cheaper bool(request.htmx)
]

ROOT_URLCONF = "shipskip.urls"
WSGI_APPLICATION = "shipskip.wsgi.application"

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
                "shipskip.context_processors.canonical",
            ],
        },
    },
]

# Database: DATABASE_URL, or an embedded PostgreSQL in SHIPSKIP_DATA_DIR (default ./.data).
DATABASES = {
    "default": dj_database_url.parse(
        database_url(BASE_DIR),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# Django's PostgreSQL backend whose health check asks the socket, not the server.
DATABASES["default"]["ENGINE"] = "shipskip.postgresql"
# Fail fast when PostgreSQL is unreachable instead of holding a worker (readiness answers 503).
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
    "DATABASE_CONNECT_TIMEOUT", 2
)
# Parameters travel apart from the SQL and a statement run five times on a connection is
# prepared: PostgreSQL then skips parsing and planning the same few queries every page makes
# (measured: half the database CPU of a vote, a third of a logged-in page's). Off behind a
# transaction-pooling PgBouncer older than 1.21, which cannot keep prepared statements.
if env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
    DATABASES["default"]["OPTIONS"] |= {"server_side_binding": True, "prepare_threshold": 5}
# An optional streaming replica of the same database: reads that may be a little stale (a
# first-time visitor's pages, the directory, feeds, the API) go to it, everything else to the
# primary (shipskip/routers.py). Tests and management commands use the primary only.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    DATABASES["replica"]["ENGINE"] = DATABASES["default"]["ENGINE"]
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"]["OPTIONS"],
        **DATABASES["replica"].get("OPTIONS", {}),
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["shipskip.routers.ReplicaRouter"]
    MIDDLEWARE.insert(1, "shipskip.middleware.ReplicaReadsMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Django's database sessions and ModelBackend, each with its per-request read as one plain
# query (accounts/sessions.py, accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.AccountBackend"]
SESSION_ENGINE = "accounts.sessions"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "comparisons:home"
LOGOUT_REDIRECT_URL = "comparisons:home"

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
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed files need collectstatic; development and tests serve the plain files.
_MANIFEST_STATIC = env_bool("DJANGO_MANIFEST_STATIC", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if _MANIFEST_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Cache: Redis when REDIS_URL is set (shared by every worker and node), else this process's memory.
REDIS_URL = env_str("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Production hardening: on whenever DEBUG is off.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Load balancers probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("DJANGO_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind a proxy the client's address is the last one in X-Forwarded-For, and its
# X-Request-ID names a first vote so a replay on another node counts once (votes/voters.py).
SHIPSKIP_BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", default=False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts never need these cookies (htmx sends the CSRF token from the page).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
# __Host- names bind the cookies to this exact host over HTTPS (production only: they need Secure).
if not DEBUG and env_bool("DJANGO_HOST_COOKIES", default=True):
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SHIPSKIP_VOTER_COOKIE_NAME = "__Host-shipskip_voter"
else:
    SHIPSKIP_VOTER_COOKIE_NAME = "shipskip_voter"

# Content-Security-Policy: nothing inline, nothing evaluated, nothing framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "votes.views.csrf_failure"

# E-mail: printed to the console unless an SMTP host is configured.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ship or Skip <verdicts@shiporskip.example>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s [%(process)d %(threadName)s]"
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # The embedded PostgreSQL narrates every start and stop at INFO, even from atexit.
    "loggers": {"pgserver": {"level": "WARNING"}},
}

# Product settings.
# A tool's community percentage is shown only once it has this many votes.
SHIPSKIP_COMMUNITY_THRESHOLD = env_int("SHIPSKIP_COMMUNITY_THRESHOLD", 5)
# A verdict whose oldest review is older than this many days is marked stale.
SHIPSKIP_STALE_AFTER_DAYS = env_int("SHIPSKIP_STALE_AFTER_DAYS", 180)
# Whole-page caching of public pages (see comparisons/pagecache.py); off to debug rendering.
SHIPSKIP_PAGE_CACHE = env_bool("SHIPSKIP_PAGE_CACHE", default=True)
# Each gunicorn worker LISTENs for catalog and community changes, so a cache hit needs no query
# (comparisons/changefeed.py). Off where LISTEN cannot work, e.g. behind transaction pooling.
SHIPSKIP_CHANGE_FEED = env_bool("SHIPSKIP_CHANGE_FEED", default=True)
# Vote writes allowed per voter, and per client address (several people may share one).
SHIPSKIP_VOTE_RATE = env_str("SHIPSKIP_VOTE_RATE", "30/m")
SHIPSKIP_VOTE_RATE_PER_ADDRESS = env_str("SHIPSKIP_VOTE_RATE_PER_ADDRESS", "120/m")
# Failed logins allowed per username and per client address before a pause (not a lockout).
SHIPSKIP_LOGIN_FAILURES = env_str("SHIPSKIP_LOGIN_FAILURES", "5/15m")
SHIPSKIP_LOGIN_FAILURES_PER_ADDRESS = env_str("SHIPSKIP_LOGIN_FAILURES_PER_ADDRESS", "20/15m")
# The site's public address, for links in e-mails sent outside a request (the weekly digest).
SHIPSKIP_SITE_URL = env_str("SHIPSKIP_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Account sign-ups and password-reset requests per client address.
SHIPSKIP_SIGNUP_RATE = env_str("SHIPSKIP_SIGNUP_RATE", "10/h")
SHIPSKIP_PASSWORD_RESET_RATE = env_str("SHIPSKIP_PASSWORD_RESET_RATE", "5/h")
# Newsletter sign-ups per client address.
SHIPSKIP_NEWSLETTER_RATE = env_str("SHIPSKIP_NEWSLETTER_RATE", "10/h")
# Read-only API requests per client address.
SHIPSKIP_API_RATE = env_str("SHIPSKIP_API_RATE", "120/m")
# The anonymous voter's id lives this long in its signed cookie.
SHIPSKIP_VOTER_COOKIE_AGE = env_int("SHIPSKIP_VOTER_COOKIE_AGE", 2 * 365 * 24 * 3600)
