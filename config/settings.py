"""Settings, read from environment variables.

Two profiles, chosen by ``HELPDESK_ENV``:

* ``development`` (default): DEBUG on, SQLite in ``var/``, a Celery broker on local disk
  (kombu's filesystem transport), a secret key generated once into ``var/secret_key``.
  Nothing has to be installed.
* ``production``: DEBUG off, ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS`` required,
  HTTPS-only cookies and HSTS; passes ``manage.py check --deploy``.

``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch either profile to PostgreSQL and Redis.
Every variable is listed in docs/configuration.md.
"""

import base64
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HELPDESK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


HELPDESK_ENV = os.environ.get("HELPDESK_ENV", "development")
if HELPDESK_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("HELPDESK_ENV must be 'development' or 'production'.")
PRODUCTION = HELPDESK_ENV == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)


def _development_secret_key() -> str:
    # Kept on disk so the web process and the Celery worker sign links with the same key.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
    SECRET_KEY = _development_secret_key()


def _development_encryption_key() -> str:
    # Like the secret key: generated once and kept on disk, so every process of this checkout
    # reads what another one encrypted. A Fernet key: 32 random bytes, url-safe base64.
    path = VAR_DIR / "encryption_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return path.read_text().strip()


# Secrets at rest (mailbox passwords, webhook signing secrets; helpdesk.platform.encryption):
# the first key encrypts, every listed key decrypts. Production must set it (system check
# helpdesk.E010); development generates one into var/.
HELPDESK_ENCRYPTION_KEYS = env_list("HELPDESK_ENCRYPTION_KEYS", [])
if not HELPDESK_ENCRYPTION_KEYS and not PRODUCTION:
    HELPDESK_ENCRYPTION_KEYS = [_development_encryption_key()]

# Tenants live on <slug>.<HELPDESK_BASE_DOMAIN>; the bare domain is the platform landing page.
HELPDESK_BASE_DOMAIN = os.environ.get("HELPDESK_BASE_DOMAIN", "localhost").lower()
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS",
    [] if PRODUCTION else [HELPDESK_BASE_DOMAIN, f".{HELPDESK_BASE_DOMAIN}", "127.0.0.1"],
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# How links in e-mails reach the service desk (workers have no request to copy them from).
HELPDESK_PUBLIC_SCHEME = os.environ.get("HELPDESK_PUBLIC_SCHEME", "https" if PRODUCTION else "http")
HELPDESK_PUBLIC_PORT = os.environ.get(
    "HELPDESK_PUBLIC_PORT", "" if PRODUCTION else os.environ.get("HELPDESK_PORT", "8000")
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Registers the expression wrappers PostgreSQL indexes need (trigram operator classes);
    # harmless on SQLite.
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "helpdesk",
    "customers",
    "products",
    "repairs",
    "tickets",
    "sla",
    "surveys",
    "knowledge",
    "reports",
    "fieldservice",
    "automations",
    # Wiring above every app: demo seeding commands.
    "config",
]

MIDDLEWARE = [
    # First: the client's address and scheme, from X-Forwarded-* only when the reverse proxy
    # sent them (HELPDESK_TRUSTED_PROXIES); everything after, SSL redirect included, sees those.
    "helpdesk.platform.proxy.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "helpdesk.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "helpdesk.middleware.TenantMiddleware",
    "helpdesk.middleware.SessionHostMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "helpdesk.middleware.TenantLanguageMiddleware",
    # NUL, non-UTF-8 query strings and over-long addresses: a 400 before any view runs.
    "helpdesk.platform.request_guards.BadRequestMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "helpdesk.middleware.MembershipMiddleware",
    "helpdesk.two_factor_middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last, as its documentation asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Two-factor authentication (helpdesk.two_factor): the name authenticator apps show, and how
# many recovery codes a member gets.
OTP_TOTP_ISSUER = os.environ.get("HELPDESK_TOTP_ISSUER", "Helpdesk")
HELPDESK_RECOVERY_CODE_COUNT = 10
# Single sign-on providers must speak HTTPS; a provider on this machine may use plain HTTP in
# development (helpdesk.oidc).
HELPDESK_OIDC_ALLOW_LOOPBACK_HTTP = DEBUG

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
                "helpdesk.context_processors.tenancy",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    # Reconnect cleanly after a database restart instead of failing on a dead pooled connection.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Form selects iterate querysets with .iterator(), which on PostgreSQL opens a server-side
    # cursor: three round trips for a dozen rows. Client-side cursors are also what a
    # transaction-pooling PgBouncer needs.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "helpdesk.sqlite3",
            # WAL + IMMEDIATE + busy timeout let the web process and the worker share the file
            # without "database is locked" errors.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "helpdesk.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "helpdesk.auth.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes), two budgets side by side: AXES_FAILURE_LIMIT failures against one
# account, however its e-mail is typed (case, spaces: helpdesk.auth.lockout_username), from
# anywhere; and HELPDESK_LOGIN_IP_FAILURE_LIMIT failures from one client address, whatever the
# accounts. Either locks sign-in for the cool-off period (helpdesk.auth.LockoutHandler).
AXES_FAILURE_LIMIT = env_int("HELPDESK_LOGIN_FAILURE_LIMIT", 10)
HELPDESK_LOGIN_IP_FAILURE_LIMIT = env_int("HELPDESK_LOGIN_IP_FAILURE_LIMIT", 30)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("HELPDESK_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "helpdesk.auth.lockout_username"
AXES_HANDLER = "helpdesk.auth.LockoutHandler"
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Browser libraries come from npm (package.json; `make install` runs npm install), served
# from node_modules under /static/vendor/ — never copied into the repository.
STATICFILES_DIRS: list = [BASE_DIR / "static"]
if (BASE_DIR / "node_modules" / "chart.js" / "dist").is_dir():  # absent where npm is not
    STATICFILES_DIRS.append(("vendor", BASE_DIR / "node_modules" / "chart.js" / "dist"))
_MARKDOWN_TOOLBAR = BASE_DIR / "node_modules" / "@github" / "markdown-toolbar-element" / "dist"
if _MARKDOWN_TOOLBAR.is_dir():  # without it the reply box is a plain text area
    STATICFILES_DIRS.append(("vendor/markdown-toolbar", _MARKDOWN_TOOLBAR))
MEDIA_ROOT = Path(os.environ.get("HELPDESK_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    # Removes the partial file of an upload the disk had no room for.
    "default": {"BACKEND": "helpdesk.platform.uploads.CleanFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("HELPDESK_MAX_REQUEST_BYTES", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# Bounds an SMTP exchange: an owed e-mail's row stays locked while it is sent
# (helpdesk.platform.outbox).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "helpdesk@localhost")
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The agent queue re-renders itself this often so SLA colours change without a reload.
HELPDESK_QUEUE_POLL_SECONDS = env_int("HELPDESK_QUEUE_POLL_SECONDS", 15)
CELERY_BEAT_SCHEDULE: dict = {
    # Notifications whose e-mail task was never queued (broker down) are mailed from here.
    "notification-emails-catch-up": {
        "task": "helpdesk.tasks.catch_up_notification_emails",
        "schedule": 60.0,
        "options": {"expires": 120},
    },
    "customer-emails-catch-up": {
        "task": "tickets.tasks.catch_up_customer_emails",
        "schedule": 60.0,
        "options": {"expires": 120},
    },
    "survey-emails-catch-up": {
        "task": "surveys.tasks.catch_up_survey_emails",
        "schedule": 60.0,
        "options": {"expires": 120},
    },
    "quote-emails-catch-up": {
        "task": "repairs.tasks.catch_up_quote_emails",
        "schedule": 60.0,
        "options": {"expires": 120},
    },
    "work-order-notices-catch-up": {
        "task": "fieldservice.tasks.catch_up_work_order_notices",
        "schedule": 60.0,
        "options": {"expires": 120},
    },
    # Each visit of tomorrow gets its one reminder; hourly, so a visit booked late the day
    # before is still reminded.
    "visit-reminders": {
        "task": "fieldservice.tasks.send_visit_reminders",
        "schedule": 3600.0,
        "options": {"expires": 1800},
    },
    "sla-sweep": {
        "task": "sla.tasks.sweep",
        "schedule": float(os.environ.get("HELPDESK_SLA_SWEEP_SECONDS", "15")),
        # A sweep that waits longer than its period is superseded by the next one.
        "options": {"expires": 60},
    },
    "close-resolved-tickets": {
        "task": "tickets.tasks.sweep_resolved_tickets",
        "schedule": 600.0,
    },
    # Overdue follow-ups escalate once; non-responders get their one survey reminder.
    "surveys-sweep": {
        "task": "surveys.tasks.sweep",
        "schedule": float(os.environ.get("HELPDESK_SURVEY_SWEEP_SECONDS", "60")),
        "options": {"expires": 120},
    },
}

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "helpdesk.api_auth.TenantTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["helpdesk.permissions.IsTenantMember"],
    "DEFAULT_SCHEMA_CLASS": "helpdesk.platform.api_schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "helpdesk.platform.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "tenant": os.environ.get("HELPDESK_API_RATE", "700/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Per-tenant REST API of the after-sales service desk.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "helpdesk.platform.api_schema.bound_ids",
    ],
}
# Choice sets whose field names repeat across resources ("status", "kind", "channel") get
# names of their own instead of drf-spectacular's hash-suffixed ones.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "StatusEnum": "tickets.models.Status",
    "ChannelEnum": "tickets.models.Channel",
    "KindEnum": "tickets.models.MessageKind",
    "FollowUpStatusEnum": "surveys.models.FollowUpStatus",
    "FollowUpKindEnum": "surveys.models.FollowUpKind",
    "FollowUpChannelEnum": "surveys.models.FollowUpChannel",
    "ArticleStatusEnum": "knowledge.models.ArticleStatus",
    "UnitStatusEnum": "products.models.UnitStatus",
    "WorkOrderKindEnum": "fieldservice.models.WorkOrderKind",
    "WorkOrderStatusEnum": "fieldservice.models.WorkOrderStatus",
}
# Stored Idempotency-Key responses are kept 24 h; older rows are purged hourly.
CELERY_BEAT_SCHEDULE["purge-idempotency-keys"] = {
    "task": "helpdesk.tasks.purge_idempotency_keys",
    "schedule": 3600.0,
    "options": {"expires": 1800},
}
# Time-based automations ("pending 72 h → remind the customer"): each firing once per ticket.
CELERY_BEAT_SCHEDULE["automations-sweep"] = {
    "task": "automations.tasks.sweep",
    "schedule": float(os.environ.get("HELPDESK_AUTOMATION_SWEEP_SECONDS", "300")),
    "options": {"expires": 240},
}
# Background jobs (imports) whose task was lost are queued again; dead ones are failed.
CELERY_BEAT_SCHEDULE["background-jobs-sweep"] = {
    "task": "helpdesk.tasks.sweep_background_jobs",
    "schedule": 120.0,
    "options": {"expires": 110},
}

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)

# The reverse proxy's addresses or networks (comma-separated); only requests from these may set
# the client address and scheme through X-Forwarded-For / X-Forwarded-Proto
# (helpdesk.platform.proxy). docker-compose.yml sets nginx's fixed address.
HELPDESK_TRUSTED_PROXIES = env_list("HELPDESK_TRUSTED_PROXIES", [])

# --- Logging -----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HELPDESK_LOG_LEVEL", "INFO")},
    # pysaml2 and the XML schema library it loads narrate every message at INFO.
    "loggers": {
        "axes": {"level": "WARNING"},
        "saml2": {"level": "WARNING"},
        "xmlschema": {"level": "WARNING"},
    },
}

# WhiteNoise serves static files from the app in every profile (no CDN, no extra server);
# in development straight from the source folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# Shared between processes (rate limits, lockouts): Redis when configured, else files on disk.
CACHE_URL = os.environ.get("HELPDESK_CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Attachments ------------------------------------------------------------------------------
HELPDESK_ATTACHMENT_MAX_BYTES = env_int("HELPDESK_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
HELPDESK_ATTACHMENT_EXTENSIONS = env_list(
    "HELPDESK_ATTACHMENT_EXTENSIONS",
    ["png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log", "csv", "docx", "xlsx", "zip"],
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# A file past the largest accepted size is not kept while it arrives
# (``helpdesk.platform.uploads``).
FILE_UPLOAD_HANDLERS = [
    "helpdesk.platform.uploads.SizeCapHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Customer portal and customer e-mail ---------------------------------------------------------
# Web-form submissions (and sign-in link requests) per client address per hour, counted in the
# shared cache so every web process sees the same count.
HELPDESK_PORTAL_RATE_PER_HOUR = env_int("HELPDESK_PORTAL_RATE_PER_HOUR", 20)
# Tenant sign-up on the platform host: open unless switched off; requests per hour per client
# address and per e-mail address (each request mails a link, so these bound the mail sent).
HELPDESK_SIGNUP_OPEN = env_bool("HELPDESK_SIGNUP_OPEN", default=True)
HELPDESK_SIGNUP_RATE_PER_ADDRESS = env_int("HELPDESK_SIGNUP_RATE_PER_ADDRESS", 10)
HELPDESK_SIGNUP_RATE_PER_EMAIL = env_int("HELPDESK_SIGNUP_RATE_PER_EMAIL", 3)
HELPDESK_SIGNUP_LINK_MAX_AGE_HOURS = env_int("HELPDESK_SIGNUP_LINK_MAX_AGE_HOURS", 24)
# Password-reset requests per hour per client address and per e-mail address.
HELPDESK_PASSWORD_RESET_RATE_PER_ADDRESS = env_int("HELPDESK_PASSWORD_RESET_RATE_PER_ADDRESS", 10)
HELPDESK_PASSWORD_RESET_RATE_PER_EMAIL = env_int("HELPDESK_PASSWORD_RESET_RATE_PER_EMAIL", 3)
HELPDESK_PORTAL_LINK_MAX_AGE_DAYS = env_int("HELPDESK_PORTAL_LINK_MAX_AGE_DAYS", 180)
HELPDESK_PORTAL_SIGN_IN_MAX_AGE_MINUTES = env_int("HELPDESK_PORTAL_SIGN_IN_MAX_AGE_MINUTES", 30)
# Inbound e-mail: every tenant with an active mailbox is read this often.
CELERY_BEAT_SCHEDULE["fetch-mail"] = {
    "task": "tickets.tasks.fetch_all_mailboxes",
    "schedule": float(os.environ.get("HELPDESK_MAIL_FETCH_SECONDS", "60")),
    "options": {"expires": 120},
}
# Closed tickets lose their personal data after the tenant's retention period (PIPL / GDPR).
CELERY_BEAT_SCHEDULE["personal-data-retention"] = {
    "task": "tickets.tasks.sweep_personal_data_retention",
    "schedule": float(os.environ.get("HELPDESK_RETENTION_SWEEP_SECONDS", "3600")),
    "options": {"expires": 1800},
}

# --- Webhooks and per-token API throttle --------------------------------------------------------
# Webhook URLs may not resolve to loopback, private, link-local or reserved addresses unless this
# is on (checked when subscribing and again before every delivery).
HELPDESK_WEBHOOK_ALLOW_PRIVATE = env_bool("HELPDESK_WEBHOOK_ALLOW_PRIVATE", default=False)
# Longest address (path and query string) the app answers; longer ones get a 400 saying so.
# Below gunicorn's --limit-request-line (8190, Procfile) so the app, not gunicorn, answers.
HELPDESK_MAX_URL_LENGTH = env_int("HELPDESK_MAX_URL_LENGTH", 4096)
# The same rule for the host of a tenant's IMAP mailbox (checked when saved and before reading).
HELPDESK_MAILBOX_ALLOW_PRIVATE = env_bool("HELPDESK_MAILBOX_ALLOW_PRIVATE", default=False)
HELPDESK_WEBHOOK_TIMEOUT_SECONDS = env_int("HELPDESK_WEBHOOK_TIMEOUT_SECONDS", 10)
# After an admin rotates a webhook's signing secret, deliveries carry a signature with the old
# secret as well for this long, so the receiver can switch over without dropping any.
HELPDESK_WEBHOOK_SECRET_GRACE_HOURS = env_int("HELPDESK_WEBHOOK_SECRET_GRACE_HOURS", 24)
CELERY_BEAT_SCHEDULE["webhooks-sweep"] = {
    "task": "helpdesk.tasks.sweep_webhooks",
    "schedule": float(os.environ.get("HELPDESK_WEBHOOK_SWEEP_SECONDS", "30")),
    "options": {"expires": 60},
}
# Each token has its own budget inside the tenant's (HELPDESK_API_RATE).
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"] = os.environ.get(
    "HELPDESK_API_TOKEN_RATE", "300/minute"
)

# --- Major incidents -----------------------------------------------------------------------------
# Overdue first updates (escalated once) and owed incident e-mails whose task never ran.
CELERY_BEAT_SCHEDULE["incidents-sweep"] = {
    "task": "tickets.incidents.tasks.sweep_incidents",
    "schedule": 60.0,
    "options": {"expires": 120},
}
# Complaint surges per category: each surge alerts the managers once per clock hour.
CELERY_BEAT_SCHEDULE["complaint-surges"] = {
    "task": "tickets.incidents.tasks.detect_surges",
    "schedule": float(os.environ.get("HELPDESK_SURGE_CHECK_SECONDS", "300")),
    "options": {"expires": 600},
}

# --- Reports --------------------------------------------------------------------------------------
# Per-ticket figures and daily rollups behind the dashboards are refreshed this often.
CELERY_BEAT_SCHEDULE["reports-rollups"] = {
    "task": "reports.tasks.refresh_all_rollups",
    "schedule": float(os.environ.get("HELPDESK_REPORTS_ROLLUP_SECONDS", "300")),
    "options": {"expires": 240},
}
