"""Settings for Nghị Sự, read from the environment.

A laptop needs nothing set: ``DEBUG=1`` gives SQLite under ``var/``, the in-memory
channel layer and a development key. Production sets ``DEBUG=0`` (the default), and
then a missing ``SECRET_KEY`` or ``ALLOWED_HOSTS`` stops the process with a clear
message instead of running unsafely. docs/deployment.md lists every variable.
"""

import ipaddress
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from nghisu.env import (
    env_bool,
    env_int,
    env_list,
    parse_database_url,
    redis_url_from_env,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG=0, the default) needs a long "
            "random SECRET_KEY in the environment; for development set DEBUG=1."
        )
    SECRET_KEY = "django-insecure-development-only-key-for-nghisu-never-use-in-prod"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. Production needs the host names it serves, "
            "comma-separated, e.g. ALLOWED_HOSTS=hop.sonla.gov.vn"
        )
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "guardian",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "submissions",
    "documents",
    "meetings",
    "work",
    "oversight",
    "realtime",
    "nghisu",
]

MIDDLEWARE = [
    "nghisu.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "nghisu.security.PolicyHeadersMiddleware",
    "nghisu.middleware.AsyncWhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.IdleSessionMiddleware",
    "nghisu.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "nghisu.urls"
CSRF_FAILURE_VIEW = "nghisu.views.csrf_failure"
ASGI_APPLICATION = "nghisu.asgi.application"

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
                "accounts.context_processors.site",
                "work.context_processors.bell",
                "nghisu.pwa.offline",
            ],
        },
    },
]

# --- data -----------------------------------------------------------------------
DATABASES = {"default": parse_database_url(os.environ.get("DATABASE_URL"), VAR_DIR)}
# Connections to PostgreSQL. Under ASGI every request runs its sync code on a
# thread of its own, so CONN_MAX_AGE > 0 would reuse nothing (and leave the
# connection of each finished thread open): it stays 0, with health checks. A
# new connection costs about 15 queries' time (docs/deployment.md), so
# DATABASE_POOL=N gives each process a pool of at most N connections (Django's
# own, psycopg_pool), shared by its requests; the room keeps ROOM_DB_THREADS of
# them open for its commands, so N must exceed that.
DATABASE_POOL = env_int("DATABASE_POOL", 0)
if DATABASE_POOL and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    _room_threads = env_int("ROOM_DB_THREADS", 8)
    if _room_threads >= DATABASE_POOL:
        raise ImproperlyConfigured(
            f"DATABASE_POOL={DATABASE_POOL} must be larger than ROOM_DB_THREADS."
        )
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 2,
        "max_size": DATABASE_POOL,
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = redis_url_from_env()
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                # A vote storm of 2,000 ballots must not be dropped; seq + room.sync
                # repair whatever a layer still loses.
                "capacity": 5000,
                "expiry": 30,
                "group_expiry": 86400,
                "prefix": "nghisu",
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "nghisu",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 5000, "expiry": 30, "group_expiry": 86400},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work: the database backend with `manage.py db_worker` in production (and
# in `make run`), so PDF work never runs inside a request; immediate in tests.
TASK_BACKEND = os.environ.get("TASK_BACKEND", "immediate" if DEBUG else "database")
if TASK_BACKEND not in {"immediate", "database"}:
    raise ImproperlyConfigured(
        f"TASK_BACKEND={TASK_BACKEND!r} is not supported; use 'immediate' or 'database'."
    )
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if TASK_BACKEND == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["default", "pdf"],
    }
}

MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: every file goes through a view

# Who sends a stored file once its view has checked the permission (nghisu/files.py):
# "django" streams it (the default, `make run`); "nginx" answers with
# X-Accel-Redirect to nginx's internal location FILE_ACCEL_PREFIX, an alias of
# MEDIA_ROOT (deploy/nginx/). docs/deployment.md, docs/security.md.
FILE_SENDER = os.environ.get("FILE_SENDER", "django")
if FILE_SENDER not in {"django", "nginx"}:
    raise ImproperlyConfigured(
        f"FILE_SENDER={FILE_SENDER!r} is not supported; use 'django' or 'nginx'."
    )
FILE_ACCEL_PREFIX = "/_files/"
# Page images through nginx alone (documents/page_links.py): with a secret shared
# with nginx's secure_link, a client that passed Django's check gets page-image
# URLs signed for its session and page, valid PAGE_LINK_SECONDS at most (<= 60:
# a revoked grant stops them within that). Empty: every image goes through Django.
PAGE_LINK_SECRET = os.environ.get("PAGE_LINK_SECRET", "")
PAGE_LINK_SECONDS = env_int("PAGE_LINK_SECONDS", 60)
if not 2 <= PAGE_LINK_SECONDS <= 60:
    raise ImproperlyConfigured(
        f"PAGE_LINK_SECONDS={PAGE_LINK_SECONDS} must be between 2 and 60."
    )
if PAGE_LINK_SECRET and len(PAGE_LINK_SECRET) < 32:
    raise ImproperlyConfigured("PAGE_LINK_SECRET must be at least 32 characters.")
PAGE_LINK_PREFIX = "/pi/"

# Private keys of open secret votes (one file each, mode 0600), destroyed when the
# vote closes. Outside the database on purpose; every web process on every machine
# must see the same directory (like MEDIA_ROOT); never back it up. docs/security.md.
VOTE_KEY_DIR = Path(os.environ.get("VOTE_KEY_DIR", VAR_DIR / "vote-keys"))
# Digital signatures of what meetings produce (docs/signatures.md): a JSON file
# mapping bodies to their PKCS#12 file and where its passphrase is (an
# environment variable or a secrets file, never the database), and the
# timestamp server on the local network (empty: PAdES B-B, no timestamp).
SIGNING_KEYS_FILE = Path(
    os.environ.get("NGHISU_SIGNING_KEYS", VAR_DIR / "signing" / "keys.json")
)
SIGNING_TSA_URL = os.environ.get("NGHISU_TSA_URL", "")

# --- people -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lock-out: five failures for one username from one address lock that pair for
# 15 minutes (locking the username alone would let anyone lock a delegate out);
# twenty failures from one address, whatever the usernames (password spraying),
# lock that address for the same time (accounts/lockout.py).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HANDLER = "accounts.lockout.AddressThrottlingHandler"
AXES_VERBOSE = False
# The client's address (for the lock-out and the audit): REMOTE_ADDR, unless it is
# one of these reverse proxies (addresses or networks, comma-separated); only then
# is X-Forwarded-For read, from the right. Behind a proxy this must be set, or
# every client shares the proxy's address and its lock.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network."
        ) from None
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
if env_int("PROXY_COUNT", 0):
    raise ImproperlyConfigured(
        "PROXY_COUNT is no longer read: list the reverse proxies' addresses in "
        "TRUSTED_PROXIES instead (see docs/security.md)."
    )

# Sessions end after this much idle time; IdleSessionMiddleware slides the expiry
# at most once every five minutes so a page view does not cost a session write.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 8 * 60) * 60
SESSION_IDLE_REFRESH_SECONDS = 300
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True

ANONYMOUS_USER_NAME = None  # django-guardian: no anonymous user row
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"
GUARDIAN_GROUP_OBJ_PERMS_MODEL = "guardian.GroupObjectPermission"

# --- language and time ------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["nghisu.formats"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

# --- static files: WhiteNoise, nothing from outside the server --------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is absent
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- mail -------------------------------------------------------------------------
# In development the demo's e-mails (thousands: every invitation of the seeded
# sessions) go to files under var/mail/, not to the terminal of `make run`.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Nghị Sự <nghisu@localhost>")

# --- security: strict unless DEBUG ------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # HTTPS is expected in front of Daphne (a proxy sets X-Forwarded-Proto). An
    # isolated LAN without TLS can set HTTPS=0, and `check --deploy` will say so.
    _https = env_bool("HTTPS", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _https
    SESSION_COOKIE_SECURE = _https
    CSRF_COOKIE_SECURE = _https
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if _https else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Nghị Sự ----------------------------------------------------------------------
# Where the running program's source is offered (AGPL-3.0 section 13). By default the
# server serves its own source at /source/, which works on an isolated LAN too.
SOURCE_URL = os.environ.get("SOURCE_URL", "/source/")

# Logs go to standard error, one line a record: plain text, or one JSON object
# a line with LOG_FORMAT=json (time, level, logger, message, request id,
# exception; nghisu/logs.py) for a log collector.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(
        f"LOG_FORMAT={LOG_FORMAT!r} is not supported; use 'plain' or 'json'."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "nghisu.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "nghisu.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}

# /metrics (Prometheus text format, nghisu/metrics.py) answers only these
# addresses or networks (the client address as TRUSTED_PROXIES resolve it);
# every other address gets 404. Each web process serves its own figures.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS: {_network!r} is not an address or a network."
        ) from None

# --- Documents --------------------------------------------------------------------
# Upload limits (docs/documents.md). Bigger files are refused with a message.
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 200 * 1024 * 1024)
DOCUMENT_MAX_PAGES = env_int("DOCUMENT_MAX_PAGES", 2000)
# Page image widths (px) a request may ask for; others snap to the nearest. 160 is
# the thumbnail strip. Versions are rendered ahead at DOCUMENT_PRERENDER_WIDTHS.
DOCUMENT_RENDER_WIDTHS = (160, 400, 800, 1200, 1600)
DOCUMENT_PRERENDER_WIDTHS = (160, 400, 800, 1200)
# The offline briefcase (docs/offline.md): copies on a tablet are wiped after this
# many hours without contact with the server.
OFFLINE_MAX_AGE_HOURS = env_int("OFFLINE_MAX_AGE_HOURS", 72)
# Pages per pool call while processing (progress is reported after each chunk).
DOCUMENT_CHUNK_PAGES = env_int("DOCUMENT_CHUNK_PAGES", 10)
# A processing attempt that records no progress for this many seconds is dead; the
# scheduler enqueues it again (docs/documents.md). Longer than two pool calls on one
# chunk (2 x DOCUMENT_PDF_WALL_SECONDS), so a slow worker is never taken over.
DOCUMENT_HEARTBEAT_TIMEOUT = env_int("DOCUMENT_HEARTBEAT_TIMEOUT", 300)
# Attempts before a version whose workers keep dying fails for good.
DOCUMENT_MAX_ATTEMPTS = env_int("DOCUMENT_MAX_ATTEMPTS", 3)
# The sandboxed PyMuPDF worker pool (documents/pdf/pool.py) of each process.
DOCUMENT_PDF_WORKERS = env_int("DOCUMENT_PDF_WORKERS", 2)
DOCUMENT_PDF_CPU_SECONDS = env_int("DOCUMENT_PDF_CPU_SECONDS", 60)
DOCUMENT_PDF_MEMORY_MB = env_int("DOCUMENT_PDF_MEMORY_MB", 1536)
DOCUMENT_PDF_WALL_SECONDS = env_int("DOCUMENT_PDF_WALL_SECONDS", 120)
DOCUMENT_PDF_MAX_JOBS = env_int("DOCUMENT_PDF_MAX_JOBS", 200)
# Django reads uploads above this into a temporary file, never into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 50

# --- Realtime ---------------------------------------------------------------------
# The live room (docs/protocol.md, realtime/). redis-py 8 reads with a 5 s socket
# timeout by default, exactly channels-redis's blocking read (BZPOPMIN 5 s), so an
# idle read would fail every 5 s; reads get 15 s, connecting 2 s.
if REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [
        {"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 2}
    ]
# Commands a socket may send: ROOM_RATE_PER_SECOND on average with bursts of
# ROOM_RATE_BURST; beyond that it gets errors, and after ROOM_FLOOD_CLOSE_AFTER
# refusals in a row it is closed (4429).
ROOM_RATE_PER_SECOND = env_int("ROOM_RATE_PER_SECOND", 20)
ROOM_RATE_BURST = env_int("ROOM_RATE_BURST", 40)
ROOM_FLOOD_CLOSE_AFTER = 50
# Vote progress and presence are coalesced: at most one update per this interval.
ROOM_COALESCE_SECONDS = 0.2
# Snapshot signals (vote progress) are written to at most about this many
# sockets a second per process: a room of 2,000 tablets gets one a second.
ROOM_SNAPSHOT_FRAMES_PER_SECOND = 2000
# How long the hub holds an early event for the missing one before it (events
# from several processes can arrive out of order; clients resync a gap).
ROOM_REORDER_HOLD = 0.3
# Threads (each with its own database connection) that run room commands.
ROOM_DB_THREADS = env_int("ROOM_DB_THREADS", 8)
# Ballots cast together go to the database in batches (one transaction each):
# the first waits this long for others; at most ROOM_BATCH_MAX per batch and
# ROOM_BATCH_PARALLEL batches of a vote at a time per process.
ROOM_BATCH_SECONDS = 0.015
ROOM_BATCH_MAX = 500
ROOM_BATCH_PARALLEL = 2
ROOM_HEARTBEAT_SECONDS = 15
# The part of room.state common to every tablet is built once per event and kept
# at most this long (a join storm of 500 tablets costs one build).
ROOM_STATE_CACHE_SECONDS = 10
# The web server's own limits (the largest message, pings every 20 s, dead
# sockets closed after 30 s) are its command line, in nghisu/serve.py; room
# messages are refused above 64 KB with an error.
