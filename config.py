"""Settings, all read from the environment (see .env.example)."""
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
# An empty value (as .env.example leaves it) means the default, as unset does.
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR") or BASE_DIR / "instance").resolve()


def database_url(url: str | None) -> str | None:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    if url and url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def growth_target(text: str) -> Decimal:
    """A growth target as plans write it: 1 to 10 times, at most two decimals ("1.5")."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or not 1 <= value <= 10 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"GROWTH_TARGET_DEFAULT must be a number from 1 to 10 with at most two decimals, not {text!r}")
    return value


STRIPE_KEYS = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")


def card_payments_configured(config) -> bool:
    """Card payment is offered only when all three Stripe keys are set (in an app's config)."""
    return all(config.get(key) for key in STRIPE_KEYS)


class Config:
    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL")) or (
        f"sqlite:///{INSTANCE_DIR / 'ocop.db'}"
    )
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR") or str(INSTANCE_DIR / "search-index")
    # Product photos, re-encoded in their three sizes (served at /media/photos/…).
    PHOTO_DIR = os.environ.get("PHOTO_DIR") or str(INSTANCE_DIR / "photos")
    # Several worker processes share one index: a writer waits this long for the lock.
    SEARCH_LOCK_TIMEOUT = float(os.environ.get("SEARCH_LOCK_TIMEOUT", "30"))
    # A commit changing more products than this (a bulk import) is indexed after the request.
    SEARCH_INLINE_LIMIT = int(os.environ.get("SEARCH_INLINE_LIMIT", "2000"))
    # How often a request first applies the search change log past this folder's cursor (what
    # other processes and servers changed).
    SEARCH_SYNC_SECONDS = float(os.environ.get("SEARCH_SYNC_SECONDS", "5"))
    # `flask search prune` deletes change-log rows older than this; an index folder that had not
    # applied them by then (its server was away) is rebuilt by its next `flask search sync`.
    SEARCH_CHANGE_RETENTION_DAYS = float(os.environ.get("SEARCH_CHANGE_RETENTION_DAYS", "7"))
    # Processes that write the index in `flask search reindex` (each takes a core and up to 1 GB).
    SEARCH_REINDEX_PROCS = int(os.environ.get("SEARCH_REINDEX_PROCS", "0")) or os.cpu_count() or 1
    # Whether commits and requests apply the change log as above. Off, a search applies it
    # itself before reading the index (the tests: most never search, and indexing each commit
    # was nearly half the cost of building their worlds).
    SEARCH_FOLLOWS_COMMITS = True

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    # Refuse anything larger before reading it. The largest upload is a file of figures for every
    # product (storefront.reports.imports.MAX_FILE_BYTES, 16 MB); the room above it lets a file
    # a little too large get the page that says so and gives the limit, not a bare 413.
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024

    # Catalogue pages for visitors not logged in, and facet counts, are cached per catalogue
    # version (Flask-Caching): in each worker's memory by default, shared by every worker and
    # server in Redis when CACHE_REDIS_URL is set (e.g. redis://127.0.0.1:6379/1).
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "")
    CACHE_TYPE = "RedisCache" if CACHE_REDIS_URL else "storefront.memory_cache.MemoryCache"
    CACHE_THRESHOLD = int(os.environ.get("CACHE_THRESHOLD", "2000"))  # entries per worker in memory
    CACHE_DEFAULT_TIMEOUT = 24 * 3600  # keys carry the day anyway
    CACHE_KEY_PREFIX = "ocop:"
    PAGE_CACHE = os.environ.get("PAGE_CACHE", "true").lower() == "true"

    PRODUCTS_PER_PAGE = int(os.environ.get("PRODUCTS_PER_PAGE", "24"))

    # A form's CSRF token lasts as long as the session that made it (as Django's does), not an
    # hour: a product page left open in a phone's tab since yesterday still adds to the cart.
    # Logging out, or losing the cookie, ends the session and its tokens with it.
    WTF_CSRF_TIME_LIMIT = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True

    PASSWORD_HASH_METHOD = "scrypt"
    # A password-reset link works once, within this many hours.
    PASSWORD_RESET_HOURS = int(os.environ.get("PASSWORD_RESET_HOURS", "2"))

    # Orders hold stock this long before an unpaid order expires.
    CARD_RESERVATION_MINUTES = int(os.environ.get("CARD_RESERVATION_MINUTES", "30"))
    PICKUP_RESERVATION_HOURS = int(os.environ.get("PICKUP_RESERVATION_HOURS", "72"))
    TRANSFER_RESERVATION_HOURS = int(os.environ.get("TRANSFER_RESERVATION_HOURS", "24"))
    SHIPPING_FEE = int(os.environ.get("SHIPPING_FEE", "30000"))  # VND, deliveries only

    # The operator's bank account for VietQR transfers, used by outlets that have none of their
    # own; bank transfer is offered only where an account is known.
    VIETQR_BANK_BIN = os.environ.get("VIETQR_BANK_BIN", "")  # NAPAS bank BIN, 6 digits
    VIETQR_ACCOUNT_NUMBER = os.environ.get("VIETQR_ACCOUNT_NUMBER", "")
    VIETQR_ACCOUNT_NAME = os.environ.get("VIETQR_ACCOUNT_NAME", "")

    # Card payment is offered only when the Stripe keys are set.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # e.g. a localstripe server in tests
    STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    # The maps' tile server as a Leaflet URL template; its host (with {s} as any subdomain) is
    # allowed in the Content-Security-Policy. The attribution is HTML the tile provider requires.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    MAP_TILE_ATTRIBUTION = os.environ.get(
        "MAP_TILE_ATTRIBUTION",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    )

    # The growth report's target when no plan target covers a product's province and year.
    # Exact (a Decimal), as every target is: see storefront.reports.models.Hundredths.
    GROWTH_TARGET_DEFAULT = growth_target(os.environ.get("GROWTH_TARGET_DEFAULT", "1.5"))

    # The shop's address in links sent from commands (emails from `flask orders expire`), and
    # the base of canonical and Open Graph links (never the request's Host header: pages are cached).
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    # Who runs the shop, shown in every page's footer and in the policies. Outside production an
    # unset value shows a demo one; production logs a warning (storefront.policies).
    SHOP_OPERATOR = os.environ.get("SHOP_OPERATOR", "")
    SHOP_HOTLINE = os.environ.get("SHOP_HOTLINE", "")
    SHOP_ADDRESS = os.environ.get("SHOP_ADDRESS", "")

    # `flask mail send` delivers the outbox by SMTP when MAIL_SERVER is set, otherwise to the log.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "true").lower() == "true"
    MAIL_FROM = os.environ.get("MAIL_FROM", "OCOP Market <no-reply@ocop.example>")

    # Login limits are counted here. In memory, each worker process counts alone, so production
    # refuses to start with it when WEB_CONCURRENCY (or gunicorn's --workers) is above 1.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True  # a refused attempt says when to try again (Retry-After)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Failed attempts on one account, from any number of addresses.
    ACCOUNT_RATE_LIMIT = os.environ.get("ACCOUNT_RATE_LIMIT", "5 per minute;20 per hour")
    WEB_CONCURRENCY = int(os.environ.get("WEB_CONCURRENCY", "1"))
    # How many proxies in front of the app append to X-Forwarded-For; 0 ignores that header, as
    # anyone can send it. Behind one nginx, set 1.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # How long a login lasts, by role: back-office sessions are short, as a stolen one does more.
    CUSTOMER_SESSION_HOURS = int(os.environ.get("CUSTOMER_SESSION_HOURS", str(14 * 24)))
    STAFF_SESSION_HOURS = int(os.environ.get("STAFF_SESSION_HOURS", "8"))


class TestConfig(Config):
    APP_ENV = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    STRIPE_SECRET_KEY = STRIPE_PUBLISHABLE_KEY = STRIPE_WEBHOOK_SECRET = ""
    VIETQR_BANK_BIN = VIETQR_ACCOUNT_NUMBER = VIETQR_ACCOUNT_NAME = ""  # tests give an account where they need one
    MAIL_SERVER = ""
    PAGE_CACHE = False  # tests/test_page_cache.py turns it on
    # Only a test's first request applies the search change log: a periodic sync falling on
    # whichever request is slow enough made the tests that count statements flaky.
    SEARCH_SYNC_SECONDS = 3600.0
    SEARCH_REINDEX_PROCS = 1  # tests/test_search_sync.py forks writers where it means to
    SEARCH_FOLLOWS_COMMITS = False  # tests that need it ask for it (the search_follows_commits fixture)
    # Tests log in hundreds of times; scrypt's half second each is not what they test.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
