"""Haven's one settings module. Every setting comes from the environment (a ``.env`` file in the
working directory is read too); the defaults are the embedded ones: SQLite under the data directory,
the in-memory channel layer and Huey on SQLite, so nothing but Haven itself needs to run.

Production (``HAVEN_ENV=production``) refuses to start with a default secret key or without an
encryption key.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import dj_database_url

from haven.env import ConfigError, env_bool, env_int, env_list, env_str, load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(Path.cwd() / ".env")

HAVEN_ENV = env_str("HAVEN_ENV", "development").strip().lower()
if HAVEN_ENV not in {"development", "production"}:
    raise ConfigError(f"HAVEN_ENV={HAVEN_ENV!r}: use 'development' or 'production'")
PRODUCTION = HAVEN_ENV == "production"
TESTING = "pytest" in sys.modules

DATA_DIR = Path(env_str("HAVEN_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

_DEV_SECRET = "haven-development-secret-key-not-for-production"  # noqa: S105 - refused in production
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
if PRODUCTION and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32):
    raise ConfigError("production needs SECRET_KEY (at least 32 random characters)")

DEBUG = env_bool("DEBUG", not PRODUCTION and not TESTING)
if PRODUCTION and DEBUG:
    raise ConfigError("DEBUG must be off in production")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- encryption at rest (haven.core.crypto) -------------------------------------------------------
# Comma-separated Fernet keys, newest first. The first encrypts; all decrypt (for rotation).
ENCRYPTION_KEYS = env_list("HAVEN_ENCRYPTION_KEYS")
if PRODUCTION and not ENCRYPTION_KEYS:
    raise ConfigError(
        "production needs HAVEN_ENCRYPTION_KEYS (make one with `haven keys generate`)"
    )
# Keyed MAC for the audit chain; someone with only database access cannot re-forge the chain.
AUDIT_KEY = env_str("HAVEN_AUDIT_KEY", "")
if PRODUCTION and len(AUDIT_KEY) < 32:
    raise ConfigError("production needs HAVEN_AUDIT_KEY (at least 32 random characters)")
# Peppers of the keyed hashes (receipts, volunteer sign-up codes, blind indexes), newest first: the
# first makes new hashes, all find existing ones (see haven.core.crypto and SECURITY.md).
PEPPERS = env_list("HAVEN_PEPPERS")
if PRODUCTION and (not PEPPERS or any(len(pepper) < 32 for pepper in PEPPERS)):
    raise ConfigError(
        "production needs HAVEN_PEPPERS (at least 32 random characters each; make one with "
        "`haven keys generate --pepper`)"
    )
if AUDIT_KEY and AUDIT_KEY in PEPPERS:
    raise ConfigError("HAVEN_PEPPERS must not contain HAVEN_AUDIT_KEY: each key has one use")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    "ninja",  # serves its API docs page from our own static files, not a CDN
    "channels",
    "huey.contrib.djhuey",
    "haven.core",
    "haven.accounts",
    "haven.access",
    "haven.audit",
    "haven.notify",
    "haven.emergencies",
    "haven.tips",
    "haven.cases",
    "haven.screening",
    "haven.triage",
    "haven.visitors",
    "haven.volunteers",
    "haven.training",
    "haven.home",  # the top floor: the home page and the demo (docs/architecture.md, "Layers")
    "haven.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "haven.core.middleware.SecurityHeadersMiddleware",
    "haven.core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "haven.accounts.middleware.SessionIdleMiddleware",
    "haven.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "haven.core.middleware.UnavailableMiddleware",
]

ROOT_URLCONF = "haven.urls"
ASGI_APPLICATION = "haven.asgi.application"
WSGI_APPLICATION = None

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
                "django.template.context_processors.i18n",
                "haven.accounts.context_processors.staff_shell",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------
_sqlite_path = DATA_DIR / "haven.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    # Under ASGI each request may run on a new thread: persistent connections would pile up
    # (one per thread) until PostgreSQL refuses more. Use a pooler (PgBouncer) in front instead.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("HAVEN_DB_CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_sqlite_path),
            # Concurrent writers wait for the lock instead of failing; IMMEDIATE takes the write
            # lock at BEGIN so read-then-write transactions (the audit chain) cannot deadlock.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- real time and background work ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # channels-redis blocks 5 s per read; redis-py's socket timeout (5 s by default) must
            # be longer, or every idle WebSocket and alert stream listener fails after 5 s.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "haven",
        "url": REDIS_URL,
        "immediate": TESTING,  # tests run tasks in-process (Huey keeps them in memory then)
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "haven",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": TESTING,
    }

# --- accounts, sign-in, sessions ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Second factor: required for every role that can see tips, cases or screenings. Demo users may be
# exempted (only in development) so that a newcomer can sign in with the printed passwords.
HAVEN_DEMO_SKIP_2FA = env_bool("HAVEN_DEMO_SKIP_2FA", not PRODUCTION) and not PRODUCTION
OTP_TOTP_ISSUER = env_str("HAVEN_OTP_ISSUER", "Haven")

# Lock-out after repeated failed sign-ins (django-axes), per username so that a shared school IP
# does not lock out a whole building. Nothing axes keeps or logs names the person at the keyboard
# (haven.accounts.lockout): counts in the cache, by a keyed hash of the typed name, no address.
AXES_FAILURE_LIMIT = env_int("HAVEN_LOCKOUT_ATTEMPTS", 5)
AXES_COOLOFF_TIME = env_int("HAVEN_LOCKOUT_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "haven.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_HANDLER = "haven.accounts.lockout.LockoutHandler"
AXES_USERNAME_CALLABLE = "haven.accounts.lockout.axes_username"
AXES_CLIENT_IP_CALLABLE = "haven.accounts.lockout.no_client_address"
AXES_CLIENT_STR_CALLABLE = "haven.accounts.lockout.client_str"
AXES_ENABLE_ADMIN = False  # its tables stay empty

SESSION_COOKIE_AGE = env_int("HAVEN_SESSION_HOURS", 12) * 3600
HAVEN_SESSION_IDLE_MINUTES = env_int("HAVEN_SESSION_IDLE_MINUTES", 30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- security headers -----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin: other sites learn nothing, and Chromium still sends the Origin that CSRF checks.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("HAVEN_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("HAVEN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("HAVEN_HSTS_PRELOAD", False)

# --- i18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("HAVEN_TIME_ZONE", "America/New_York")
USE_TZ = True

# --- static files (served by Haven itself: no CDN) ------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- e-mail ---------------------------------------------------------------------------------------
EMAIL_URL = env_str("EMAIL_URL", "")
if EMAIL_URL:
    _mail = dj_database_url.parse(EMAIL_URL.replace("smtp://", "postgres://", 1))
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail["HOST"]
    EMAIL_PORT = int(_mail["PORT"] or 587)
    EMAIL_HOST_USER = _mail["USER"]
    EMAIL_HOST_PASSWORD = _mail["PASSWORD"]
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = (
        "django.core.mail.backends.locmem.EmailBackend"
        if TESTING
        else "django.core.mail.backends.console.EmailBackend"
    )
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "haven@localhost")

# --- logging: never a request line with a client address ------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    # uvicorn logs each WebSocket handshake with the client's address to its *error* logger, which
    # --no-access-log does not silence: those lines are dropped wherever the app is loaded.
    "filters": {"no_client_address": {"()": "haven.core.logs.DropClientAddressLines"}},
    "root": {"handlers": ["console"], "level": env_str("HAVEN_LOG_LEVEL", "INFO")},
    "loggers": {
        "uvicorn.error": {"filters": ["no_client_address"]},
        # Django's request logger would include the path; the server's access log is turned off.
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # run_huey installs its own handler; do not print every line twice.
        "huey": {"level": "INFO", "propagate": False},
    },
}

HAVEN_BREAK_GLASS_MINUTES = env_int("HAVEN_BREAK_GLASS_MINUTES", 60)
# Triage: a repeated signal (same student, same text) within this window counts on the first one;
# signals the classifier calls "none" are kept this long, then purged.
# Multiplies every tip-line throttle (0 turns them off: for load tests only, never in production).
HAVEN_TIP_THROTTLE_SCALE = env_int("HAVEN_TIP_THROTTLE_SCALE", 1)
HAVEN_TIP_GROUP_HOURS = env_int("HAVEN_TIP_GROUP_HOURS", 72)  # tips about one incident group within
HAVEN_SIGNAL_DEDUP_HOURS = env_int("HAVEN_SIGNAL_DEDUP_HOURS", 24)
HAVEN_SIGNAL_RETENTION_DAYS = env_int("HAVEN_SIGNAL_RETENTION_DAYS", 30)
# Cases: break-glass into a clinical or law-enforcement record lasts longer (a day, per the issue);
# a district may point the C-SSRS risk mapping at its own file (empty: the shipped one).
HAVEN_CASE_BREAK_GLASS_HOURS = env_int("HAVEN_CASE_BREAK_GLASS_HOURS", 24)
HAVEN_CSSRS_MAPPING = env_str("HAVEN_CSSRS_MAPPING", "")
HAVEN_API_TOKEN_DAYS = env_int("HAVEN_API_TOKEN_DAYS", 365)
# A second-factor enrolment code (issued by a district administrator or `haven enrol-code`) expires
# after this many hours; a kiosk's enrolment code after this many minutes, the kiosk itself (its
# cookie) after this many days unless the front desk revokes it first.
HAVEN_ENROL_CODE_HOURS = env_int("HAVEN_ENROL_CODE_HOURS", 72)
HAVEN_KIOSK_CODE_MINUTES = env_int("HAVEN_KIOSK_CODE_MINUTES", 30)
HAVEN_KIOSK_DAYS = env_int("HAVEN_KIOSK_DAYS", 365)
# Volunteers: a cleared background check is valid this many years; coordinators are warned this
# many days before it expires; a volunteer visit longer than this counts these hours and is flagged.
HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS = env_int("HAVEN_VOLUNTEER_CHECK_RENEWAL_YEARS", 2)
HAVEN_VOLUNTEER_EXPIRING_DAYS = env_int("HAVEN_VOLUNTEER_EXPIRING_DAYS", 60)
HAVEN_VOLUNTEER_MAX_VISIT_HOURS = env_int("HAVEN_VOLUNTEER_MAX_VISIT_HOURS", 12)

SILENCED_SYSTEM_CHECKS = [
    # Lock-out is per username on purpose: a whole school shares one public address, and keying on
    # it would let one student lock out every teacher in the building.
    "axes.W006",
]
if not REDIS_URL:
    # axes counts failures in the cache; without Redis that is the process's memory, which is the
    # whole of Haven in the embedded mode (`haven run` serves from one process). Several app
    # processes share the count through Redis (REDIS_URL), as they share the throttles.
    SILENCED_SYSTEM_CHECKS.append("axes.W001")
if PRODUCTION and not SECURE_HSTS_PRELOAD:
    # Joining the browsers' HSTS preload list is the district's decision for its whole domain
    # (and hard to undo): HAVEN_HSTS_PRELOAD=true opts in.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- emergencies (haven.emergencies) --------------------------------------------------------------
# The raise page's cancel window before an alert goes out (the API raises at once).
HAVEN_EMERGENCY_CANCEL_SECONDS = env_int("HAVEN_EMERGENCY_CANCEL_SECONDS", 5)
# Absolute links in e-mail, Web Push and CAP (e.g. https://haven.district.example); optional.
HAVEN_BASE_URL = env_str("HAVEN_BASE_URL", "").rstrip("/")
# Web Push (VAPID). Unset in development: a key pair is made once under DATA_DIR/keys. Unset in
# production: Web Push is off (every app server must share one key pair).
HAVEN_VAPID_PRIVATE_KEY = env_str("HAVEN_VAPID_PRIVATE_KEY", "")
HAVEN_VAPID_PUBLIC_KEY = env_str("HAVEN_VAPID_PUBLIC_KEY", "")
HAVEN_VAPID_SUBJECT = env_str("HAVEN_VAPID_SUBJECT", "")  # mailto: or https: contact
HAVEN_PUSH_TTL_SECONDS = env_int("HAVEN_PUSH_TTL_SECONDS", 6 * 3600)
# Push endpoints and webhooks on plain http or private addresses: only for tests, or a developer
# who points a webhook at their own machine (haven.core.outbound; cloud metadata stays refused).
HAVEN_ALLOW_LOCAL_ENDPOINTS = env_bool("HAVEN_ALLOW_LOCAL_ENDPOINTS", False)
# Private networks that webhooks may reach (a PA system or door controller on the district's own
# network), e.g. "10.20.0.0/24,fd12:3456::/48". Set by the operator, never in the app; cloud
# metadata addresses stay refused whatever is listed.
try:
    HAVEN_WEBHOOK_NETWORKS = [
        ipaddress.ip_network(net, strict=False) for net in env_list("HAVEN_WEBHOOK_NETWORKS")
    ]
except ValueError as exc:
    raise ConfigError(f"HAVEN_WEBHOOK_NETWORKS: {exc}") from exc
# Web Push endpoints are accepted only on the browsers' push services (Chrome and other Chromium
# browsers: Firebase Cloud Messaging; Firefox: Mozilla's autopush; Safari: Apple's; Edge: Windows
# Push Notification Services). A host name here adds one, and every name under it.
HAVEN_PUSH_SERVICES = [
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
    *env_list("HAVEN_PUSH_SERVICES"),
]
# The alert stream: a comment every so often keeps proxies from closing an idle connection; the
# stream ends after a while and the client reconnects with Last-Event-ID, losing nothing.
HAVEN_ALERT_HEARTBEAT_SECONDS = env_int("HAVEN_ALERT_HEARTBEAT_SECONDS", 15)
HAVEN_ALERT_STREAM_MAX_SECONDS = env_int("HAVEN_ALERT_STREAM_MAX_SECONDS", 30 * 60)
# How often each process checks the database for alerts its channel layer lost (or, with Redis
# down, for every alert): a page learns of an alert within this many seconds whatever fails.
HAVEN_ALERT_POLL_SECONDS = env_int("HAVEN_ALERT_POLL_SECONDS", 3)
HAVEN_WEBHOOK_ATTEMPTS = env_int("HAVEN_WEBHOOK_ATTEMPTS", 8)
HAVEN_WEBHOOK_RETRY_SECONDS = env_int("HAVEN_WEBHOOK_RETRY_SECONDS", 5)  # doubled per attempt
HAVEN_CAP_SENDER = env_str("HAVEN_CAP_SENDER", "")  # default: DEFAULT_FROM_EMAIL

# --- reports --------------------------------------------------------------------------------------
# The first day of the school year (month-day), for reports' default period.
HAVEN_SCHOOL_YEAR_START = env_str("HAVEN_SCHOOL_YEAR_START", "08-01")
try:
    _month, _day = (int(part) for part in HAVEN_SCHOOL_YEAR_START.split("-"))
    __import__("datetime").date(2001, _month, _day)  # a year without 29 February
except ValueError:
    raise ConfigError("HAVEN_SCHOOL_YEAR_START: a month and day like 08-01") from None
# Equity cells counting fewer than this many students are suppressed (shown as null).
HAVEN_REPORT_SUPPRESS_BELOW = env_int("HAVEN_REPORT_SUPPRESS_BELOW", 10)
# --- deliveries and the worker (haven.notify.outbox, haven.notify.worker) -------------------------
# A delivery (an e-mail, an alert's notifications) is tried this many times, waiting this many
# seconds after the first failure (doubled each time, at most 15 minutes); a process that claimed
# one and died gives it up after the lease.
HAVEN_DELIVERY_ATTEMPTS = env_int("HAVEN_DELIVERY_ATTEMPTS", 12)
HAVEN_DELIVERY_RETRY_SECONDS = env_int("HAVEN_DELIVERY_RETRY_SECONDS", 10)
HAVEN_DELIVERY_LEASE_SECONDS = env_int("HAVEN_DELIVERY_LEASE_SECONDS", 120)
# The worker sweeps the outbox and writes its heartbeat this often (without Redis, too).
HAVEN_SWEEP_SECONDS = env_int("HAVEN_SWEEP_SECONDS", 10)
# /healthz: a worker whose heartbeat is older than this is down; with HAVEN_REQUIRE_WORKER (the
# default in production) a worker never seen is down too.
HAVEN_WORKER_STALE_SECONDS = env_int("HAVEN_WORKER_STALE_SECONDS", 90)
HAVEN_REQUIRE_WORKER = env_bool("HAVEN_REQUIRE_WORKER", PRODUCTION)
