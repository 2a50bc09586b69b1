"""All settings, read from the environment in this one place.

Development defaults just work (`make run` sets DATABASE_URL and REDIS_URL to
the embedded servers it starts). `DJANGO_ENV=production` refuses to start
without the secrets it needs.
"""

import ipaddress
import os
from pathlib import Path
from typing import overload
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("XIAOGE_VAR_DIR", BASE_DIR / "var"))


@overload
def env(name: str, default: str) -> str: ...
@overload
def env(name: str, default: None = None) -> str | None: ...
def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


DJANGO_ENV = env("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

# Throwaway development keys. Production must set its own (checked below).
_DEV_SECRET_KEY = "dev-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105
_DEV_FIELD_ENCRYPTION_KEY = "ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktISE="

SECRET_KEY = env("DJANGO_SECRET_KEY", None if PRODUCTION else _DEV_SECRET_KEY)
# Fernet key (32 url-safe base64-encoded bytes) for resident ID numbers at rest.
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", None if PRODUCTION else _DEV_FIELD_ENCRYPTION_KEY)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")

if PRODUCTION:
    missing = [
        name
        for name, value in (
            ("DJANGO_SECRET_KEY", SECRET_KEY),
            ("FIELD_ENCRYPTION_KEY", FIELD_ENCRYPTION_KEY),
            ("DJANGO_ALLOWED_HOSTS", ALLOWED_HOSTS),
            ("DATABASE_URL", env("DATABASE_URL")),
            ("REDIS_URL", env("REDIS_URL")),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured("Production needs these environment variables: " + ", ".join(missing))
    if SECRET_KEY in (_DEV_SECRET_KEY,) or FIELD_ENCRYPTION_KEY == _DEV_FIELD_ENCRYPTION_KEY:
        raise ImproperlyConfigured("Production must not use the development keys.")

# Demo data (seed_demo) only in development or with this explicit flag.
DEMO_MODE = env_bool("XIAOGE_DEMO", DEBUG)

INSTALLED_APPS = [
    # Django admin behind the staff login: a password and a second factor (accounts/admin_site.py).
    "accounts.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Index expressions with an operator class (core.indexes.search_index) and pg_trgm in migrations.
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "django_prometheus",
    "core",
    "accounts",
    "notifications",
    "points",
    "academy",
    "subsidies",
    "services",
    "governance",
    "stations",
    "delivery",
    "events",
    "deliberation",
    "volunteering",
    "rewards",
    "voice",
    "dashboard",
]

MIDDLEWARE = [
    # First and last: the metrics time the whole stack, redirects and refusals included.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id from nginx (or a new one) for every log line of the request (core.logs).
    "core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # NUL, control characters and over-long values are refused here, in each interface's error shape.
    "core.validation.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A staff session without its second factor may only set it up (accounts/middleware.py).
    "accounts.middleware.StaffSecondFactorMiddleware",
    "core.middleware.RateLimitedMiddleware",
    "core.middleware.RedisOutageMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "notifications.context_processors.inbox",
            ],
        },
    },
]

# --- Database: PostgreSQL only -------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` / `make test`, which start an embedded "
        "PostgreSQL, or point DATABASE_URL at a PostgreSQL server."
    )
# Persistent connections: a new PostgreSQL connection per request cost more than most pages
# (issue 23: 60 s alone made the home page twice as fast). The health check before a request
# replaces a connection the server closed meanwhile instead of failing the request.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(env("DB_CONN_MAX_AGE", "60")), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The portal runs on PostgreSQL only.")
DATABASES["default"].setdefault("TEST", {})["NAME"] = env("TEST_DATABASE_NAME", "test_xiaoge")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Read replica (core/db_router.py, docs/replica.md) -----------------------------
# A streaming replica for heavy reads that opt in (partner exports, OneRoster, HSDS and
# Open311 lists, the budget dashboard). Unset: no replica, every read on the primary.
REPLICA_DATABASE_URL = env("REPLICA_DATABASE_URL")
# Further behind than this (seconds), the replica serves nothing until it has caught up.
REPLICA_MAX_LAG_SECONDS = float(env("REPLICA_MAX_LAG_SECONDS", "5"))
# How long a process trusts its last look at the replica (one query on the replica).
REPLICA_CHECK_SECONDS = float(env("REPLICA_CHECK_SECONDS", "2"))
# After a person writes, their reads stay on the primary this long (remembered in Redis).
READ_YOUR_WRITES_SECONDS = int(env("READ_YOUR_WRITES_SECONDS", "10"))
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL, conn_max_age=int(env("DB_CONN_MAX_AGE", "60")), conn_health_checks=True
    )
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("The read replica is a PostgreSQL server too.")
    # A replica that is gone must cost a read a moment, then the primary answers.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        env("REPLICA_CONNECT_TIMEOUT", "2")
    )
    # Test runs read the test database through the replica's own connection (tests/replica/).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
    # After the session middleware, so a session saved at the end of a response is not a write.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
        "core.db_router.ReadYourWritesMiddleware",
    )

# --- Redis: cache (rate limits, health heartbeat) and Celery broker -------------
# The cache (with the rate-limit counters, under their own key prefixes) lives in
# REDIS_URL's database; the broker in the next database, so clearing the cache
# (FLUSHDB) can never drop a queued task.
# Typed str, not str | None: the check below refuses to start without it.
REDIS_URL: str = env("REDIS_URL") or ""
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL is not set. Use `make run` / `make test` or point it at Redis.")


def redis_url_with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def redis_db(url: str) -> int:
    path = urlsplit(url).path.strip("/")
    return int(path) if path.isdigit() else 0


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "xiaoge"),
        # A Redis that is down or frozen costs a request about a second, then core.outage
        # answers 503: without these a frozen Redis held requests for minutes.
        "OPTIONS": {
            "socket_connect_timeout": float(env("REDIS_CONNECT_TIMEOUT", "1")),
            "socket_timeout": float(env("REDIS_SOCKET_TIMEOUT", "1")),
            "retry_on_timeout": False,
        },
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

CELERY_BROKER_URL = env("CELERY_BROKER_URL", redis_url_with_db(REDIS_URL, redis_db(REDIS_URL) + 1))
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that enqueues while the broker is down gives up at once (the outbox
# sweep delivers later): kombu's default is to retry the connection for the whole
# connect timeout, which held each such request for six seconds. Reads wait longer
# than the worker's one-second BRPOP poll.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 3,
    "max_retries": 1,
    "interval_start": 0,
}
# A task that hangs (a stuck SMS gateway, a lock wait) is interrupted, then killed.
CELERY_TASK_SOFT_TIME_LIMIT = int(env("CELERY_TASK_SOFT_TIME_LIMIT", "60"))
CELERY_TASK_TIME_LIMIT = int(env("CELERY_TASK_TIME_LIMIT", "90"))
# One queue per channel (README "Celery queues and workers"), so that work of one kind never
# waits behind another's: a production worker consumes only its channel's queues (-Q), and a
# worker started without -Q takes every queue listed here (make run's and the tests').
# - sms_codes: login and sign-up codes, which a person waits for on a form; nothing else.
# - sms: every other SMS (status notices), whose bursts must not stand before a code.
# - notifications: the in-app inbox and e-mail.
# - exports: partner exports and imports, which may run for minutes.
# - maintenance: the beat schedule's sweeps and expiries, and the worker heartbeat.
# - celery (the default): nothing is routed there (tests/core/test_queues.py lists every task);
#   the maintenance worker consumes it too, so a task someone forgot to route still runs.
SMS_CODE_QUEUE = "sms_codes"
SMS_QUEUE = "sms"
NOTIFICATIONS_QUEUE = "notifications"
EXPORTS_QUEUE = "exports"
MAINTENANCE_QUEUE = "maintenance"
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [
    Queue(name) for name in (SMS_CODE_QUEUE, SMS_QUEUE, NOTIFICATIONS_QUEUE, EXPORTS_QUEUE, MAINTENANCE_QUEUE)
] + [Queue(CELERY_TASK_DEFAULT_QUEUE)]
# By task name. An outbox batch names its queue when it is enqueued (notifications.actions
# .delivery_queue: a code, another SMS, or inbox and e-mail), because one task delivers every
# channel; the route here only catches a batch sent without one. Export and import tasks are
# recognised by their names (<app>.tasks.export_... / import_...), whichever app adds them.
CELERY_TASK_ROUTES = {
    "notifications.tasks.deliver_batch": {"queue": NOTIFICATIONS_QUEUE},
    "notifications.tasks.deliver": {"queue": NOTIFICATIONS_QUEUE},
    "notifications.tasks.sweep_outbox": {"queue": MAINTENANCE_QUEUE},
    "core.tasks.record_worker_heartbeat": {"queue": MAINTENANCE_QUEUE},
    "deliberation.tasks.mark_overdue_actions": {"queue": MAINTENANCE_QUEUE},
    "rewards.tasks.expire_vouchers": {"queue": MAINTENANCE_QUEUE},
    "volunteering.tasks.expire_unconfirmed_tasks": {"queue": MAINTENANCE_QUEUE},
    "voice.tasks.expire_help_requests": {"queue": MAINTENANCE_QUEUE},
    "voice.tasks.delete_old_audio": {"queue": MAINTENANCE_QUEUE},
    "dashboard.tasks.refresh_rollups": {"queue": MAINTENANCE_QUEUE},
    "*.tasks.export_*": {"queue": EXPORTS_QUEUE},
    "*.tasks.import_*": {"queue": EXPORTS_QUEUE},
}
# Workers and beat log through LOGGING below (JSON in production), not Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Auth ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_request_login_code"
LOGIN_REDIRECT_URL = "home"
# A new worker goes straight on to fill in the profile.
ACCOUNT_SIGNUP_REDIRECT_URL = "profile_edit"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# How a person is named in allauth's messages ("欢迎，赵小明"): the real name, else the formatted number.
ACCOUNT_USER_DISPLAY = "accounts.adapter.user_display"
ACCOUNT_LOGIN_METHODS = {"phone"}
# Workers sign up with a phone number only; a password is optional and can be set later.
ACCOUNT_SIGNUP_FIELDS = ["phone*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_USER_MODEL_EMAIL_FIELD = "email"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# "Send a new code" on the code pages (each resend spends from the SMS budget below).
ACCOUNT_LOGIN_BY_CODE_SUPPORTS_RESEND = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = 3
# Sign-up and login answer the same for registered and unregistered numbers ("if this number
# can log in, a code is on its way"): a registered number signing up is told by SMS to log in.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = True
# The client address that rate limits and the audit log see (allauth's get_client_ip): behind
# nginx, the last entry of X-Forwarded-For that nginx appended (1); one more per proxy in front
# of nginx. 0 (development): REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
ACCOUNT_FORMS = {
    "signup": "accounts.auth_forms.SignupForm",
    "request_login_code": "accounts.auth_forms.RequestLoginCodeForm",
    "confirm_login_code": "accounts.auth_forms.ConfirmLoginCodeForm",
    "verify_phone": "accounts.auth_forms.VerifyPhoneForm",
}
# SMS codes (accounts/sms_codes.py): 6 digits, valid 5 minutes, at most 5 guesses, single use,
# kept only as a keyed hash bound to the phone number and the login attempt. allauth's own
# stage timeouts are longer, so that a late code gets "expired" rather than a silent restart.
SMS_CODE_FORMAT = {"numeric": True, "dashed": False, "length": 6}
SMS_CODE_VALID_SECONDS = 5 * 60
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = SMS_CODE_FORMAT
ACCOUNT_LOGIN_BY_CODE_CODE_FORMAT = SMS_CODE_FORMAT
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 15 * 60
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 5
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 5
# One SMS budget (accounts/sms_budget.py) for every path that sends a code (sign-up, login,
# resend): per phone number and per IP address (allauth's rate syntax without the "per"
# part), and a cap on codes per calendar day for the whole district. Counted for registered
# and unregistered numbers alike.
SMS_BUDGET_PER_PHONE = env("SMS_BUDGET_PER_PHONE", "1/m,5/h,10/d")
SMS_BUDGET_PER_IP = env("SMS_BUDGET_PER_IP", "20/h,50/d")
SMS_BUDGET_DISTRICT_PER_DAY = int(env("SMS_BUDGET_DISTRICT_PER_DAY", "5000"))
ACCOUNT_RATE_LIMITS = {
    # Replaced by the SMS budget above (one budget, not one per path).
    "request_login_code": "",
    "verify_phone": "",
    "signup": env("SIGNUP_RATE_LIMIT", "20/h/ip"),
    # Every POST to a login page, a flood guard above the limits below (so a locked-out person
    # reads the lockout message, not "too many requests").
    "login": env("LOGIN_RATE_LIMIT", "60/m/ip"),
    # Failed password logins (and wrong second-factor codes), per mobile number (key) and per IP:
    # once either is spent, even the right password is refused until the window has passed.
    "login_failed": env("LOGIN_FAILED_RATE_LIMIT", "5/15m/key,30/h/ip"),
}

# --- Staff: a password and a second factor for every login to admin ---------------------------
# TOTP (an authenticator app) with recovery codes, from django-allauth's MFA (accounts/staff_auth.py).
# No "trust this browser": the second factor is asked at every login.
MFA_ADAPTER = "accounts.staff_auth.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "小哥学院 Xiaoge"
# One 30-second step either side, for phones whose clock is a little off (a used code cannot be replayed).
MFA_TOTP_TOLERANCE = 1
MFA_TRUST_ENABLED = False
MFA_FORMS = {
    "authenticate": "accounts.staff_auth.AuthenticateForm",
    "reauthenticate": "accounts.staff_auth.ReauthenticateForm",
    "activate_totp": "accounts.staff_auth.ActivateTOTPForm",
}
# Where a worker gets help in person or by phone (said in messages that send them there).
SERVICE_DESK_PHONE = env("SERVICE_DESK_PHONE", "12345")
# Checks of a new resident ID number against the other accounts, per worker (accounts.actions).
ID_NUMBER_CHECK_RATE_LIMIT = env("ID_NUMBER_CHECK_RATE_LIMIT", "5/h,10/d")

# --- Internationalisation --------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and private files ----------------------------------------------------
STATIC_URL = "/static/"
# Production collects static files here (WhiteNoise serves them, hashed and compressed);
# development and tests serve them straight from static/ through WhiteNoise's finders.
STATIC_ROOT = env("STATIC_ROOT", str(VAR_DIR / "staticfiles")) if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
# Private uploads: on the filesystem (MEDIA_ROOT below; the development default) or, with
# PRIVATE_STORAGE=s3, in a private S3-compatible bucket: Aliyun OSS, Tencent COS, MinIO or AWS
# (core/storage.py; README "Production" lists each provider's values).
PRIVATE_STORAGE = env("PRIVATE_STORAGE", "filesystem")
if PRIVATE_STORAGE not in ("filesystem", "s3"):
    raise ImproperlyConfigured("PRIVATE_STORAGE is either filesystem or s3.")
# How a file leaves once the view has checked who asks: "stream" (through Django, with the
# portal's own headers) or "signed-url" (a redirect to the bucket, signed for a few minutes).
PRIVATE_MEDIA_DELIVERY = env("PRIVATE_MEDIA_DELIVERY", "stream")
if PRIVATE_MEDIA_DELIVERY not in ("stream", "signed-url"):
    raise ImproperlyConfigured("PRIVATE_MEDIA_DELIVERY is either stream or signed-url.")
if PRIVATE_MEDIA_DELIVERY == "signed-url" and PRIVATE_STORAGE != "s3":
    raise ImproperlyConfigured("PRIVATE_MEDIA_DELIVERY=signed-url needs PRIVATE_STORAGE=s3.")
PRIVATE_MEDIA_URL_EXPIRE_SECONDS = int(env("PRIVATE_MEDIA_URL_EXPIRE_SECONDS", "300"))
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL")
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ADDRESSING_STYLE = env("AWS_S3_ADDRESSING_STYLE", "virtual")


def s3_storage(
    *,
    endpoint_url: str | None = AWS_S3_ENDPOINT_URL,
    bucket_name: str | None = AWS_STORAGE_BUCKET_NAME,
    addressing_style: str = AWS_S3_ADDRESSING_STYLE,
    **overrides: object,
) -> dict:
    """The STORAGES entry of the private bucket (the tests pass their own server's endpoint)."""
    from botocore.config import Config

    options = {
        "bucket_name": bucket_name,
        "endpoint_url": endpoint_url,
        "region_name": env("AWS_S3_REGION_NAME"),
        # Unset: boto3's own chain (environment, instance role) finds the credentials.
        "access_key": env("AWS_ACCESS_KEY_ID"),
        "secret_key": env("AWS_SECRET_ACCESS_KEY"),
        "location": env("AWS_LOCATION", ""),  # a key prefix, for a bucket shared with others
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": PRIVATE_MEDIA_URL_EXPIRE_SECONDS,
        # Two uploads under one name get two objects, as on disk (never a silent overwrite).
        "file_overwrite": False,
        # An object read whole (the move command's checks) spills to disk past 1 MB.
        "max_memory_size": 2**20,
        "object_parameters": {"CacheControl": "private, no-store"},
        "client_config": Config(
            # OSS and COS answer on <bucket>.<endpoint> only; MinIO usually on <endpoint>/<bucket>.
            s3={"addressing_style": addressing_style},
            signature_version=env("AWS_S3_SIGNATURE_VERSION", "s3v4"),
            # boto3 1.36+ adds CRC checksum headers to every upload, which S3-compatible services
            # (older MinIO, OSS, COS) refuse; checksums only where the API requires them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
        ),
        **overrides,
    }
    return {"BACKEND": "core.storage.PrivateS3Storage", "OPTIONS": options}


def bucket_origin(endpoint_url: str | None, bucket: str | None, addressing_style: str) -> str | None:
    """Where the signed URLs point, for the CSP (images on our pages are redirected there)."""
    parts = urlsplit(endpoint_url or "")
    if not (parts.scheme and parts.netloc and bucket):
        return None
    host = f"{bucket}.{parts.netloc}" if addressing_style == "virtual" else parts.netloc
    return f"{parts.scheme}://{host}"


if PRIVATE_STORAGE == "s3" and not AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured("PRIVATE_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
PRIVATE_MEDIA_URL_ORIGIN = env(
    "PRIVATE_MEDIA_URL_ORIGIN",
    bucket_origin(AWS_S3_ENDPOINT_URL, AWS_STORAGE_BUCKET_NAME, AWS_S3_ADDRESSING_STYLE),
)
if PRIVATE_MEDIA_DELIVERY == "signed-url" and not PRIVATE_MEDIA_URL_ORIGIN:
    raise ImproperlyConfigured(
        "PRIVATE_MEDIA_DELIVERY=signed-url needs AWS_S3_ENDPOINT_URL (or PRIVATE_MEDIA_URL_ORIGIN) "
        "for the Content-Security-Policy."
    )
STORAGES = {
    "default": (
        s3_storage()
        if PRIVATE_STORAGE == "s3"
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded documents are private: outside static/, served only through views
# that check who is asking.
MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
MEDIA_URL = "/private-media/"
# Production behind nginx: an `internal` location that maps this prefix to PRIVATE_MEDIA_ROOT.
PRIVATE_MEDIA_ACCEL_PREFIX = env("PRIVATE_MEDIA_ACCEL_PREFIX", "")
if PRIVATE_MEDIA_ACCEL_PREFIX and PRIVATE_STORAGE == "s3":
    raise ImproperlyConfigured(
        "PRIVATE_MEDIA_ACCEL_PREFIX serves files from disk; with PRIVATE_STORAGE=s3 leave it empty "
        "and choose PRIVATE_MEDIA_DELIVERY=stream or signed-url."
    )
# Decoded pixels that the photo uploads of one web process may hold at once (core.uploads);
# parallel uploads beyond it wait their turn. 256 MB is two of the largest photos at once.
IMAGE_DECODE_MEMORY_MB = int(env("IMAGE_DECODE_MEMORY_MB", "256"))

# --- Notifications -----------------------------------------------------------------
SMS_BACKEND = env("SMS_BACKEND", "notifications.backends.ConsoleSMSBackend")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "xiaoge@localhost")
# A pending outbox row older than this is re-enqueued by the beat sweep.
OUTBOX_SWEEP_AFTER_SECONDS = int(env("OUTBOX_SWEEP_AFTER_SECONDS", "60"))
OUTBOX_MAX_ATTEMPTS = 8
# Message ids per delivery task: a burst of 50,000 is 50 tasks, not 50,000.
OUTBOX_BATCH_SIZE = int(env("OUTBOX_BATCH_SIZE", "1000"))
# A delivery task stops sending after this long and hands the rest to a new task, well
# inside CELERY_TASK_SOFT_TIME_LIMIT even with a slow SMS gateway.
OUTBOX_BATCH_SECONDS = float(env("OUTBOX_BATCH_SECONDS", "30"))

# Real SMS providers (notifications/providers/): SMS_BACKEND =
# notifications.providers.aliyun.AliyunSMSBackend or notifications.providers.tencent.TencentSMSBackend.
# Keys only from the environment, never logged. "templates" names the provider's template for each
# of the three templates (README "SMS providers" lists their texts). "endpoint" may carry a scheme
# (tests point it at a local http server). receipt_token is the secret last part of the receipt
# URL configured in the provider's console (neither provider signs its receipts); empty refuses
# every receipt.
ALIYUN_SMS = {
    "access_key_id": env("ALIYUN_SMS_ACCESS_KEY_ID", ""),
    "access_key_secret": env("ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
    "region": env("ALIYUN_SMS_REGION", "cn-hangzhou"),
    "endpoint": env("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com"),
    "sign_name": env("ALIYUN_SMS_SIGN_NAME", "小哥学院"),
    "templates": {
        "code": env("ALIYUN_SMS_TEMPLATE_CODE", ""),
        "account_exists": env("ALIYUN_SMS_TEMPLATE_ACCOUNT_EXISTS", ""),
        "notice": env("ALIYUN_SMS_TEMPLATE_NOTICE", ""),
    },
    "connect_timeout_seconds": float(env("SMS_PROVIDER_CONNECT_TIMEOUT", "3")),
    "read_timeout_seconds": float(env("SMS_PROVIDER_READ_TIMEOUT", "5")),
    "receipt_token": env("ALIYUN_SMS_RECEIPT_TOKEN", ""),
}
TENCENT_SMS = {
    "secret_id": env("TENCENT_SMS_SECRET_ID", ""),
    "secret_key": env("TENCENT_SMS_SECRET_KEY", ""),
    "region": env("TENCENT_SMS_REGION", "ap-guangzhou"),
    "endpoint": env("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com"),
    "sdk_app_id": env("TENCENT_SMS_SDK_APP_ID", ""),
    "sign_name": env("TENCENT_SMS_SIGN_NAME", "小哥学院"),
    "templates": {
        "code": env("TENCENT_SMS_TEMPLATE_CODE", ""),
        "account_exists": env("TENCENT_SMS_TEMPLATE_ACCOUNT_EXISTS", ""),
        "notice": env("TENCENT_SMS_TEMPLATE_NOTICE", ""),
    },
    "read_timeout_seconds": float(env("SMS_PROVIDER_READ_TIMEOUT", "5")),
    "receipt_token": env("TENCENT_SMS_RECEIPT_TOKEN", ""),
}
# Receipt pushes per IP address (the providers push in batches, from few addresses).
SMS_RECEIPT_RATE_LIMIT_PER_IP = env("SMS_RECEIPT_RATE_LIMIT_PER_IP", "600/m")

# Notice version a worker agrees to when giving separate consent for sensitive data.
SENSITIVE_DATA_NOTICE_VERSION = "2026-11"

# --- Maps (services "near me", grid reports, the admin point picker) ---------------
# One tile server for every map; empty shows lists only. Tiles must be in WGS-84
# (OpenStreetMap-style): GCJ-02 tiles (Amap, Tencent) would place every point a few
# hundred metres off. The district sets its own tile server in production; the
# development default is OpenStreetMap's. SERVICES_MAP_TILE_URL is the old name.
# (Set but empty is honoured, hence os.environ.get and not env().)
MAP_TILE_URL = os.environ.get(
    "MAP_TILE_URL",
    os.environ.get("SERVICES_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
)
MAP_TILE_ATTRIBUTION = env(
    "MAP_TILE_ATTRIBUTION", env("SERVICES_MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
)


# Maps that work in mainland China (issue 19): MAP_TILES=tianditu (天地图, CGCS2000: no offset;
# its key in TIANDITU_KEY) or MAP_TILES=amap (高德, GCJ-02). Any other GCJ-02 source: set
# MAP_TILE_URL and MAP_TILE_COORDINATES=gcj02; points are then converted on their way to the map
# (static/core/mapcoords.js, the same conversion as core.geo) and taps converted back.
MAP_TILES = env("MAP_TILES", "")
TIANDITU_KEY = env("TIANDITU_KEY", "")
MAP_TILE_COORDINATES = env("MAP_TILE_COORDINATES", "wgs84")
MAP_TILE_SUBDOMAINS = env("MAP_TILE_SUBDOMAINS", "abc")
MAP_TILE_LABELS_URL = ""
_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s"
    "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"
)
if MAP_TILES == "tianditu":
    if not TIANDITU_KEY:
        raise ImproperlyConfigured(
            "MAP_TILES=tianditu needs TIANDITU_KEY (the key of the district's 天地图 account)."
        )
    MAP_TILE_URL = _TIANDITU % ("vec", "vec", TIANDITU_KEY)
    MAP_TILE_LABELS_URL = _TIANDITU % ("cva", "cva", TIANDITU_KEY)
    MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "© 天地图 国家地理信息公共服务平台")
    MAP_TILE_COORDINATES, MAP_TILE_SUBDOMAINS = "wgs84", "01234567"
elif MAP_TILES == "amap":
    MAP_TILE_URL = (
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
    )
    MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "© 高德地图")
    MAP_TILE_COORDINATES, MAP_TILE_SUBDOMAINS = "gcj02", "1234"
elif MAP_TILES:
    raise ImproperlyConfigured(f"MAP_TILES={MAP_TILES!r}: use tianditu, amap, or leave it empty.")
if MAP_TILE_COORDINATES not in ("wgs84", "gcj02"):
    raise ImproperlyConfigured("MAP_TILE_COORDINATES is wgs84 or gcj02.")


def tile_origin(url: str) -> str | None:
    """The origin a tile URL template loads from, for the CSP: a host label holding {s}
    (t{s}.tianditu.gov.cn, webrd0{s}.is.autonavi.com) becomes the wildcard "*"."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = ".".join("*" if "{s}" in label else label for label in parts.netloc.split("."))
    return f"{parts.scheme}://{host}"


MAP_TILE_ORIGIN = tile_origin(MAP_TILE_URL) if MAP_TILE_URL else None

# --- Services (the ten friendly scenarios) -------------------------------------------
# A service request nobody has taken on after this many working days is overdue.
SERVICES_OVERDUE_WORKING_DAYS = int(env("SERVICES_OVERDUE_WORKING_DAYS", "2"))

# --- 随口说 recordings (voice) ---------------------------------------------------------
# A recording is deleted this many days after it was sent (voice.tasks.delete_old_audio); the typed
# text, the staff's summary and the answer stay.
VOICE_AUDIO_RETENTION_DAYS = int(env("VOICE_AUDIO_RETENTION_DAYS", "90"))

# Open311 GeoReport v2 serves one jurisdiction: a request naming another jurisdiction_id answers 404.
OPEN311_JURISDICTION_ID = env("OPEN311_JURISDICTION_ID", "xihu.hangzhou.gov.cn")

# --- REST API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.openapi.PortalAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.api.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Xiaoge portal API",
    "DESCRIPTION": "Partner universities and city systems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Open311 is plain Django views (its own formats and error list): the hook writes its paths.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "governance.open311_schema.add_open311",
        "academy.oneroster.schema.add_oneroster_types",
    ],
}
# Partner universities: OAuth 2.0 client credentials; secrets hashed; scopes per client (academy.api.oauth).
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(env("OAUTH2_ACCESS_TOKEN_SECONDS", "3600")),
    "SCOPES": {
        "roster:read": "Read the university's roster",
        "roster:sensitive": "Read full ID numbers of students who consented",
        "roster:write": "Write back student numbers, status and credits",
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly": "OneRoster 1.2: every rostering read but demographics",
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly": "OneRoster 1.2 rostering (read)",
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly": "OneRoster 1.2 demographics (read)",
        "https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.createput": "OneRoster 1.2 gradebook: write results",
    },
    "DEFAULT_SCOPES": ["roster:read"],
    "SCOPES_BACKEND_CLASS": "academy.api.oauth.UniversityScopes",
    # OAuth 2.0 Security BCP (RFC 9700): tokens stored hashed, no implicit or password grant,
    # tokens only in the Authorization header, https redirect URIs (only client credentials are used).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# POST /oauth/token/ per client id and per IP address (academy.api.oauth.TokenView): a token
# lasts an hour, and each wrong secret costs a password hash of CPU.
OAUTH_TOKEN_RATE_LIMIT_PER_CLIENT = env("OAUTH_TOKEN_RATE_LIMIT_PER_CLIENT", "10/m,60/h")
OAUTH_TOKEN_RATE_LIMIT_PER_IP = env("OAUTH_TOKEN_RATE_LIMIT_PER_IP", "30/m,300/h")
# Named here because academy.ApiClient points at it (Django resolves swappable models through settings).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Key of the OneRoster sourcedId scrambling (academy/oneroster/ids.py); empty falls back to SECRET_KEY.
ONEROSTER_ID_KEY = env("ONEROSTER_ID_KEY", "")

# --- Security --------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and requests from ourselves only,
# no inline script or style; images also from the map tile server when one is configured,
# blob: for the photo previews the offline report queue makes, data: for Leaflet's empty tile.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [
            SELF,
            "blob:",
            "data:",
            *([MAP_TILE_ORIGIN] if MAP_TILE_ORIGIN else []),
            # Photos redirected to their signed URLs in the bucket.
            *([PRIVATE_MEDIA_URL_ORIGIN] if PRIVATE_MEDIA_DELIVERY == "signed-url" else []),
        ],
        "font-src": [SELF],
        # 随口说 recordings: the member's own preview (blob:) and the played file, like a photo.
        "media-src": [
            SELF,
            "blob:",
            *([PRIVATE_MEDIA_URL_ORIGIN] if PRIVATE_MEDIA_DELIVERY == "signed-url" else []),
        ],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
    # The orchestrator's probes talk plain HTTP to the container itself, not through nginx.
    SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^readyz$", r"^healthz$", r"^metrics$"]

# --- Logs and metrics --------------------------------------------------------------------
# Production: one JSON object per line on stdout (core.logs); development: plain text.
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT is json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "core.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "pikepdf": {"level": "WARNING"},
        # The SMS SDKs and urllib3 log whole requests at DEBUG, with the template variables (a code)
        # in Aliyun's query string: never below WARNING, whatever LOG_LEVEL says.
        "tencentcloud_sdk_common": {"level": "WARNING"},
        "darabonba-core": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
# /metrics (django-prometheus) for Prometheus only (core.metrics): from these networks (CIDR,
# comma-separated, e.g. the compose network) or with `Authorization: Bearer METRICS_TOKEN`.
# Both empty: nobody.
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS")
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_error}") from None
METRICS_TOKEN = env("METRICS_TOKEN", "")

FORM_RENDERER = "core.forms.PortalFormRenderer"

# Browser tests: Chromium to drive (the Debian package by default).
CHROMIUM_PATH = env("CHROMIUM_PATH", "/usr/bin/chromium")
