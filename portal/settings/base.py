"""Settings shared by every size of deployment.

Everything that differs between a laptop and a server comes from the environment; with nothing set,
the portal runs on the embedded default: a SQLite file, Celery in eager mode, console email and a
local-memory cache.
"""

import base64
import hashlib
import os
import re
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes" and "on" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable into a list, dropping blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Secret ballots' papers are sealed to keys derived from this (voting/sealing.py); SECRET_KEY when unset.
# Keep it outside the database and its backups, and unchanged while a ballot is open.
VOTING_SECRET = os.environ.get("VOTING_SECRET", "")
# Audit checkpoints are signed with an Ed25519 key derived from this (portal/audit/signing.py); SECRET_KEY
# when unset. Its public key is published, so keep the secret unchanged or old checkpoints stop matching.
AUDIT_SIGNING_SECRET = os.environ.get("AUDIT_SIGNING_SECRET", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal.accounts",
    "portal.privacy",
    "portal.audit",
    "portal.jobs",
    "portal.home",
    "portal.contact",
    "portal.hear_back",
    "consultations",
    "governance",
    "voting",
    "proposals",
    "involvement",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "crispy_forms",
    "crispy_forms_gds",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Refuses oversized request bodies (413) before anything reads them; adds Permissions-Policy.
    "portal.security.PortalSecurityMiddleware",
    "portal.home.page_cache.AnonymousPageCacheMiddleware",
    # The request's Wagtail Site from the cache, not a query (portal/home/stable.py).
    "portal.home.stable.StableSiteMiddleware",
    # Inside the page cache, so a cached page is stored with the policy it was rendered under.
    "portal.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # What the signed-in person may do, from the cache (portal/accounts/permission_cache.py).
    "portal.accounts.permission_cache.PermissionCacheMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Staff who have not entered an authenticator code this session see only the two-step pages.
    "portal.accounts.two_factor.StaffTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes last, as its documentation asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.accounts.context_processors.preferences",
                # {{ CSP_NONCE }}: for an inline <script nonce="..."> if one is ever needed.
                "csp.context_processors.nonce",
            ],
            # gov_date, gov_day, gov_time, gov_datetime in every template and email: see portal/dates.py.
            "builtins": ["portal.home.templatetags.portal_dates"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        # A kept connection is checked before each request reuses it, so one the server dropped while
        # idle (a PostgreSQL restart, an idle timeout) is replaced instead of failing the request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default serves several people at once: write transactions take the lock when they
    # start (not half-way, where SQLite cannot wait and answers "database is locked"), writers wait up
    # to 20 s for each other, and readers do not block writers (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out person before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "portal.accounts.backends.ModelBackendWithProfile",
    # Sessions begun before the one above was added name this one; it keeps them signed in.
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id first (portal/accounts/hashers.py says why); older PBKDF2 hashes still verify and are
# stored again as Argon2id at the next sign-in.
PASSWORD_HASHERS = [
    "portal.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
WAGTAILADMIN_LOGIN_URL = "/admin/login/"

# Repeated wrong passwords are slowed: after AXES_FAILURE_LIMIT failures for one account from one
# address, that pair is locked out for AXES_COOLOFF_TIME hours and told so in plain words.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "portal.accounts.axes.lockout_username"

# Two-step sign-in: everyone who can reach the Wagtail admin or Django's admin (or is staff) must add
# an authenticator app (TOTP) and type its code once per session before any page is shown to them.
PORTAL_STAFF_2FA = env_bool("PORTAL_STAFF_2FA", True)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Together Voices")
# Superusers can remove a lost authenticator in Django's admin, but never read its secret there.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# Dates and times in one GOV.UK style everywhere ("Tuesday 4 March 2026 at 9am"): portal/dates.py and
# its template filters (portal_dates), and these fallbacks for anything Django formats itself. Locale
# format files win over the *_FORMAT settings, so the formats live in portal/formats/; portal/locale
# words "a.m." as "am".
FORMAT_MODULE_PATH = ["portal.formats"]
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
DATE_FORMAT = "j F Y"
TIME_FORMAT = "fa"
DATETIME_FORMAT = r"l j F Y \a\t fa"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Built by `make frontend` from the govuk-frontend npm package and our brand's Sass.
    BASE_DIR / "static_build",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Files made by background jobs (reports, exports, "My data") for one person: never under MEDIA_URL,
# served only through the job's download view to the person who started it.
PRIVATE_ROOT = Path(os.environ.get("PRIVATE_ROOT", BASE_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": PRIVATE_ROOT, "base_url": None}},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Email: console unless EMAIL_URL-style settings are given.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Together Voices <no-reply@localhost>")
# The contact form (/contact/): where messages go until editors set an inbox in the site settings, and
# how many a person may send (per internet address, per browser session) in each window of seconds.
PORTAL_CONTACT_EMAIL = os.environ.get("PORTAL_CONTACT_EMAIL", "hello@example.org")
PORTAL_CONTACT_LIMIT_PER_ADDRESS = int(os.environ.get("PORTAL_CONTACT_LIMIT_PER_ADDRESS", "20"))
PORTAL_CONTACT_LIMIT_PER_SESSION = int(os.environ.get("PORTAL_CONTACT_LIMIT_PER_SESSION", "5"))
PORTAL_CONTACT_LIMIT_WINDOW = 3600

# Sessions are read from the cache (Redis in production) and written to both it and the database, so a
# signed-in page asks the database only for its own rows. Erasure deletes them through the engine, so the
# cached copies go too (portal/privacy/erasure.py).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Request and upload limits: a form body over 2.5 MB or with over 1,000 fields gets a plain 400 page,
# any request body over PORTAL_MAX_REQUEST_BYTES a plain 413 before it is read. Uploaded files are
# held in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE and streamed to a temporary file beyond it.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
PORTAL_MAX_REQUEST_BYTES = 25 * 1024 * 1024

# Paper and event responses: how long after a consultation closes forms that arrived in time may still be
# typed in, and how long a scan of the forms is kept (in private storage) before the retention job deletes it.
PORTAL_PAPER_ENTRY_DAYS_AFTER_CLOSE = int(os.environ.get("PORTAL_PAPER_ENTRY_DAYS_AFTER_CLOSE", 14))
PORTAL_PAPER_SCAN_DAYS = int(os.environ.get("PORTAL_PAPER_SCAN_DAYS", 90))
PORTAL_PAPER_SCAN_MAX_BYTES = 20 * 1024 * 1024
# Involvement payments: finance records (payees, claims, expenses and receipts, payment batches) are kept
# this many years after the payment, even after the person is erased, then the retention job deletes them.
PORTAL_FINANCE_RETENTION_YEARS = int(os.environ.get("PORTAL_FINANCE_RETENTION_YEARS", 6))
PORTAL_RECEIPT_MAX_BYTES = 5 * 1024 * 1024
# Paper votes are typed in after a ballot's voting closes; the ballot waits this long for papers that were
# given out but never handed in, then closes without them (the ledger counts them).
PORTAL_PAPER_VOTE_COUNT_HOURS = int(os.environ.get("PORTAL_PAPER_VOTE_COUNT_HOURS", 72))
# An address an anonymous respondent left to hear back is deleted unused this long after the
# consultation closes, if nothing came of it by then.
PORTAL_HEAR_BACK_ADDRESS_DAYS = int(os.environ.get("PORTAL_HEAR_BACK_ADDRESS_DAYS", 365))
# Withdrawn consultation answers are deleted this many days after they were withdrawn (the retention job;
# consultations/privacy.py). The withdraw page and "Your data" say so in plain words.
PORTAL_WITHDRAWN_RESPONSE_DAYS = int(os.environ.get("PORTAL_WITHDRAWN_RESPONSE_DAYS", 30))

# Security headers, in every size of deployment (HSTS and the HTTPS redirect: production only).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PORTAL_PERMISSIONS_POLICY = {
    feature: "()"
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture", "geolocation",
        "gyroscope", "interest-cohort", "magnetometer", "microphone", "midi", "payment", "usb",
        "xr-spatial-tracking",
    )
}


def _inline_style_hashes(*template_names: str) -> list[str]:
    """CSP hashes of the <style> blocks in the standalone error pages' shell (rendered with no request)."""
    hashes = []
    for name in template_names:
        text = (BASE_DIR / "templates" / name).read_text(encoding="utf-8")
        for block in re.findall(r"<style>(.*?)</style>", text, flags=re.DOTALL):
            digest = base64.b64encode(hashlib.sha256(block.encode("utf-8")).digest()).decode("ascii")
            hashes.append(f"'sha256-{digest}'")
    return sorted(set(hashes))


# The public site: our own files only; a script without our nonce does not run; no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, *_inline_style_hashes("error_page.html")],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# The Wagtail admin (with Django's admin and page previews, which Wagtail serves under /admin/), and
# only there: Wagtail 8 needs inline scripts (InlinePanel and date-picker <script> blocks, scripts in
# chooser modals, Jcrop's inline handlers on the focal-point editor), inline <style> elements (added
# by its vendor.js on page editors) and blob: images (upload previews). Checked in Chromium, page by
# page; see README "Security headers". No nonce here: browsers ignore 'unsafe-inline' beside one.
PORTAL_ADMIN_PATH_PREFIXES = ("/admin/", "/django-admin/")
PORTAL_ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [SELF],
        "form-action": [SELF],
    },
}

# Whole public pages are cached for visitors with no session; content changes clear it at once.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))

# Celery: with no broker configured, tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish to an unreachable broker must fail fast (the outbox keeps the job), not hang a request.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0, "socket_connect_timeout": 2, "socket_timeout": 3}
CELERY_TASK_PUBLISH_RETRY = False
# A job's message is acknowledged when the job has finished, not when it starts. The two tasks that
# run people's jobs (outbox messages and long jobs) are also given back to the queue if the process
# running them dies (killed, out of memory), so another worker process takes them over at once; they
# claim their row first and count attempts, so a redelivery never runs a finished job again and a job
# that kills its worker every time stops after its last attempt (portal/jobs/tasks.py). Beat's
# periodic tasks are not given back: they run again on their schedule.
CELERY_TASK_ACKS_LATE = True
# A worker reserves one message at a time, so a killed worker strands no others it had prefetched.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's consumer with two narrow guards: in Celery 5.7.0 losing the broker at the wrong moment ends the
# worker ("Unrecoverable error") instead of reconnecting (portal/jobs/worker.py).
CELERY_WORKER_CONSUMER = "portal.jobs.worker:Consumer"
# When the broker goes away, a job already running is left to finish (its work is in the database and
# a redelivery finds it done) rather than cancelled; said here because Celery 6 will change the default.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "portal.jobs.tasks.relay_outbox", "schedule": 60.0},
    "long-jobs-tick": {"task": "portal.jobs.tasks.long_jobs_tick", "schedule": 60.0},
    "consultation-schedule-tick": {"task": "consultations.tasks.consultation_schedule_tick", "schedule": 300.0},
    "voting-close-due": {"task": "voting.tasks.close_due_ballots", "schedule": 60.0},
    "governance-tick": {"task": "governance.tasks.governance_tick", "schedule": 900.0},
    "governance-overdue-actions-weekly": {
        "task": "governance.tasks.overdue_actions_weekly",
        "schedule": crontab(minute=0, hour=8, day_of_week="monday"),
    },
    "audit-monthly-checkpoint": {
        "task": "portal.audit.tasks.monthly_checkpoint",
        "schedule": crontab(minute=30, hour=2, day_of_month=1),
    },
    "hear-back-weekly-digest": {
        "task": "portal.hear_back.tasks.weekly_digest",
        "schedule": crontab(minute=30, hour=8, day_of_week="monday"),
    },
    "privacy-retention-daily": {"task": "portal.privacy.tasks.apply_retention", "schedule": crontab(minute=15, hour=3)},
    "proposals-place-waiting": {"task": "proposals.tasks.place_waiting_proposals", "schedule": crontab(minute=5)},
}

WAGTAIL_SITE_NAME = "Together Voices"
# No Gravatar: it would send a hash of each staff email to a third party, and it is unreachable offline.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# No "new Wagtail version" check from the dashboard: it calls releases.wagtail.org from staff browsers
# (which the admin Content-Security-Policy refuses anyway); upgrades are pinned in requirements.txt.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Absolute links in emails and files follow the default Wagtail Site (portal/site_links.py), which
# `make run` points at its HOST and PORT. SITE_URL, only when set in the environment, overrides the Site:
# the public address of a site behind a proxy (https://portal.example.org).
SITE_URL = os.environ.get("SITE_URL", "")
# Wagtail reads its own base URL (its admin's notification emails) from this setting alone, so it cannot
# follow the Site; our links use it only while no default Site exists.
WAGTAILADMIN_BASE_URL = SITE_URL or "http://127.0.0.1:8000"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Documents are served through Django, so the papers check (governance/documents.py) always runs.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
