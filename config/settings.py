"""Sammen settings: one module, driven by environment variables (12-factor).

The embedded default (no variables set) runs on SQLite and the in-memory channel layer, so one
command starts Sammen with no servers. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and
Redis; `DJANGO_ENV=production` refuses to start without them (see the checks at the bottom).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
PRODUCTION = env("DJANGO_ENV", default="embedded") == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
SECRET_KEY = (
    env("DJANGO_SECRET_KEY")
    if PRODUCTION
    else env("DJANGO_SECRET_KEY", default="dev-insecure-only-for-the-embedded-default")
)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "guardian",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "realtime",
    "community",
    "moderation",
    "journeys",
    "toolkit",
    "care",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes documents
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
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
                "accounts.context_processors.crisis_lines",
                "config.navigation.nav_items",
                "toolkit.context_processors.crisis_extra_links",
                "moderation.context_processors.staffing",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the in-process worker and the web server share one file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")


def redis_channel_layer(url: str) -> dict[str, object]:
    """The Redis channel layer with host dicts, not bare URLs.

    redis-py 8 defaults to socket_timeout=5 s and max_connections=100; channels_redis blocks 5 s
    in BZPOPMIN, so with those defaults every idle consumer dies with TimeoutError about every 5 s
    and messages are lost (DESIGN.md section 5, channels_redis issue 422).
    """
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": url, "socket_timeout": 30, "max_connections": 2000}],
            # group_expiry must stay above daphne's --websocket_timeout (see docker-compose.yml).
            "group_expiry": 86400,
            "capacity": 1000,
        },
    }


CHANNEL_LAYERS = {
    "default": (
        redis_channel_layer(REDIS_URL)
        if REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    )
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Durable background work (screening). The database backend means the embedded default and
# production run the same code path; only where the worker process runs differs.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Accounts, auth, sessions --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out log-ins
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
ANONYMOUS_USER_NAME = None  # guardian: anonymous users never hold object permissions

# Login lockout (django-axes): 5 failures per handle+IP lock that pair for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"

# --- i18n: Danish first, English second --------------------------------------------------------
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Copenhagen"
USE_TZ = True

# --- Crisis lines: the one configurable place (shown on every page) ----------------------------
CRISIS_LINES = [
    # Opening hours change; check them with each line before stating them here.
    {"name": "Livslinien", "number": "70 201 201", "tel": "+4570201201",
     "note": _("anonym rådgivning, hvis du har tanker om selvmord")},
    {"name": "Børnetelefonen", "number": "116 111", "tel": "116111",
     "note": _("gratis og anonym, for børn og unge")},
    {"name": _("Alarmcentralen"), "number": "112", "tel": "112",
     "note": _("ved akut fare")},
]  # fmt: skip

# --- Static, e-mail ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None  # collectstatic in production only
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION  # serve straight from the apps without collectstatic
if PRODUCTION:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if PRODUCTION
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Sammen <noreply@sammen.invalid>")
if PRODUCTION:
    EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)

# --- Realtime limits ---------------------------------------------------------------------------
# The largest legitimate client frame is a small JSON control message (writes go over HTTP).
WEBSOCKET_MAX_MESSAGE_BYTES = 4096
WEBSOCKET_MAX_SOCKETS_PER_USER = env.int("WEBSOCKET_MAX_SOCKETS_PER_USER", default=8)
# Presence counts go out at most once per space per this many seconds from each process: without
# it, N sockets joining one space send N frames to up to N sockets each (N squared deliveries).
PRESENCE_COALESCE_SECONDS = env.float("PRESENCE_COALESCE_SECONDS", default=1.0)

# --- Risk model ----------------------------------------------------------------------------------
RISK_SCORER = env("RISK_SCORER", default="transformer")  # the real model, also embedded
RISK_MODEL_PATH = env("RISK_MODEL_PATH", default=str(BASE_DIR / "ml" / "weights"))
# torch threads per scoring process: one, and more worker processes to scale (bench/README.md).
RISK_TORCH_THREADS = env.int("RISK_TORCH_THREADS", default=1)
# The encoder's arithmetic (ml.encoder.PRECISIONS): fp32, what the head was calibrated on, or
# bf16, about 1.7x faster where the CPU has it natively (fp32 with a warning where it has not).
RISK_ENCODER_PRECISION = env("RISK_ENCODER_PRECISION", default="fp32")
if RISK_ENCODER_PRECISION not in ("fp32", "bf16"):
    raise ImproperlyConfigured("RISK_ENCODER_PRECISION must be fp32 or bf16.")
if RISK_TORCH_THREADS < 1:
    raise ImproperlyConfigured("RISK_TORCH_THREADS must be 1 or more.")

# --- Logging: structured events, never post bodies ---------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Moderation policy ---------------------------------------------------------------------------
# Clinical policy in one place (issue 5, DESIGN.md section 3). Every value is a decision a clinical
# lead signs off; change it here, not in code.
MODERATION = {
    # Time from a flag opening to a human acting on it, per tier, in seconds.
    "SLA_SECONDS": {
        "crisis": 5 * 60,  # suicidal intent, plan or goodbye: a clinician within 5 minutes
        "elevated": 30 * 60,  # self-harm, passive death wishes, disordered eating: 30 minutes
        "unscored": 15 * 60,  # the model failed: a human reads it before anything is published
        "review": 30 * 60,  # posts of an author under forced pre-moderation
        "report": 24 * 60 * 60,  # a user report: within a day
    },
    # After each escalation step the next rung gets this long before the flag climbs again.
    "ESCALATION_STEP_SECONDS": env.int("MODERATION_ESCALATION_STEP_SECONDS", default=5 * 60),
    # The ladder a flag climbs when its time runs out: rung 0, 1, 2.
    "LADDER": ("peer_worker", "duty_clinician", "on_call_clinician"),
    # A claim lapses after this long without a resolution, so a closed laptop never hides a flag.
    "CLAIM_SECONDS": 10 * 60,
    # A post still PENDING after this long is re-enqueued by the sweep (invariant 2).
    "SWEEP_OLDER_THAN_SECONDS": env.int("MODERATION_SWEEP_OLDER_THAN_SECONDS", default=120),
    # How often `moderation_tick --loop` runs the sweep and the escalation ladder.
    "TICK_SECONDS": env.int("MODERATION_TICK_SECONDS", default=15),
    # Posts scored together in one model call when several wait.
    "BATCH_SIZE": env.int("MODERATION_BATCH_SIZE", default=16),
    # A screening task waits this long for posts committed just behind it, so a burst shares one
    # model call; small next to the 1 s commit-to-moderator target (bench/moderation_results.md).
    "BATCH_WINDOW_SECONDS": env.float("MODERATION_BATCH_WINDOW_SECONDS", default=0.05),
    # A model call that takes longer than this is treated as a failure (fail closed: held).
    "SCORE_TIMEOUT_SECONDS": env.float("MODERATION_SCORE_TIMEOUT_SECONDS", default=20.0),
    # After the model fails to load, wait this long before trying to load it again.
    "MODEL_RETRY_SECONDS": 60,
    # The dashboard shows "model degraded" while an unscored assessment is this recent.
    "DEGRADED_WINDOW_SECONDS": 15 * 60,
    # Low-level posts stay on the peer workers' watch list this long.
    "WATCH_LIST_HOURS": 48,
    # Graduated sanctions: the n-th restriction of an author lasts this many hours (capped).
    "SANCTION_LADDER_HOURS": (24, 72, 7 * 24, 30 * 24),
    # Where on-call pages go when no rota entry has an e-mail address.
    "ON_CALL_FALLBACK_EMAIL": env("MODERATION_ON_CALL_FALLBACK_EMAIL", default=""),
}
# --- End of moderation policy ---------------------------------------------------------------------

# --- Production: fail fast, and pass `check --deploy --fail-level WARNING` ---------------------
if PRODUCTION:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("Production requires a PostgreSQL DATABASE_URL.")
    if not REDIS_URL:
        raise ImproperlyConfigured(
            "Production requires REDIS_URL; the in-memory layer is per-process."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Production requires DJANGO_ALLOWED_HOSTS.")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be long and random (50+ characters).")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
