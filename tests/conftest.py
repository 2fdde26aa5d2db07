"""Shared fixtures: an app on a fresh database, a client, and login_as(role)."""
import os

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Integer, event


def use_own_postgres_database() -> None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (test_gw0, test_gw1…),
    made on first use: two workers emptying one database would wipe each other's tables.

    The test database commits without waiting for the disk (synchronous_commit off, for every
    connection to it, gunicorn's included): a crash could lose only its last commits, rows the
    next test deletes anyway, and the wait was five milliseconds a commit against half a
    millisecond, with the factories committing row by row."""
    url, worker = os.environ.get("TEST_DATABASE_URL", ""), os.environ.get("PYTEST_XDIST_WORKER")
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}" if worker else name
    with psycopg.connect(url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [own]).fetchone():
            connection.execute(f'CREATE DATABASE "{own}"')
        connection.execute(f'ALTER DATABASE "{own}" SET synchronous_commit = off')
    os.environ["TEST_DATABASE_URL"] = f"{base}/{own}"


use_own_postgres_database()  # before config reads TEST_DATABASE_URL

from config import TestConfig  # noqa: E402
from storefront import create_app  # noqa: E402
from storefront.accounts.services import create_user  # noqa: E402
from storefront.clock import vietnam_today  # noqa: E402
from storefront.extensions import cache, limiter  # noqa: E402
from storefront.extensions import db as _db  # noqa: E402
from storefront.mail import services as mail  # noqa: E402
from storefront.search.index import SearchIndex  # noqa: E402

pytest_plugins = ["tests.stripe_fixtures"]  # localstripe_url, stripe_app

IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip a test whose tool is missing, except in CI where that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


class QueryCounter:
    """The statements an engine runs inside the `with` block, counted."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.seen)

    def seen(self, *args):
        self.count += 1


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, hence its own `g` and database session,
    as in production, even though the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def settings(config_class: type) -> dict:
    return {name: getattr(config_class, name) for name in dir(config_class) if name.isupper()}


TEST_SETTINGS = settings(TestConfig)  # before any test could monkeypatch them


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory):
    """One app per worker: create_app compiles every route, a tenth of a second that every test
    paid. Returns the app and its config as made."""
    folder = tmp_path_factory.mktemp("shared-app")

    shared = create_app(type("SharedConfig", (TestConfig,), {
        **TEST_SETTINGS,  # whatever the first test has patched
        "SEARCH_INDEX_DIR": str(folder / "search-index"), "PHOTO_DIR": str(folder / "photos"),
    }))
    shared.test_client_class = FreshContextClient
    SHARED_APPS.add(shared)
    return shared, dict(shared.config)


SHARED_APPS: set = set()


@pytest.fixture
def app(shared_app, tmp_path):
    """The app on an empty database, with a clean config (changes to it do not outlive the
    test), its own search index and photo folders, and an app context open for the test.

    A test that monkeypatched TestConfig before asking for it gets an app of its own, made
    from the patched class. The app itself is shared: change its attributes with monkeypatch."""
    shared, made_config = shared_app
    folders = {"SEARCH_INDEX_DIR": str(tmp_path / "search-index"), "PHOTO_DIR": str(tmp_path / "photos")}
    if settings(TestConfig) != TEST_SETTINGS:
        own = create_app(type("PatchedConfig", (TestConfig,), folders))
        own.test_client_class = FreshContextClient
        with own.app_context():
            reset_database()
            yield own
            _db.session.remove()
            _db.engine.dispose()
        return
    shared.config.clear()
    shared.config.update(made_config, **folders)
    shared.extensions["search"] = SearchIndex(
        folders["SEARCH_INDEX_DIR"], shared.config["SEARCH_LOCK_TIMEOUT"], shared.config["SEARCH_INLINE_LIMIT"],
        shared.config["SEARCH_SYNC_SECONDS"])
    # The limiter is one module-level object that takes its switch from the app made last.
    limiter.enabled = shared.config["RATELIMIT_ENABLED"]
    with shared.app_context():
        cache.clear()  # keyed by the catalogue version, which restarts with the tables
        reset_database()
        yield shared
        _db.session.remove()
    shared.extensions["search"].wait()
    shared.config.clear()
    shared.config.update(made_config)


@pytest.fixture
def search_follows_commits(app):
    """Commits and requests apply the search change log, as in production (TestConfig leaves
    it to the searches themselves)."""
    app.config["SEARCH_FOLLOWS_COMMITS"] = True


def reset_database() -> None:
    """Start from empty tables, whatever an earlier test or an interrupted run left behind."""
    if _db.engine.dialect.name == "postgresql":
        empty_postgres_database()
    else:
        empty_sqlite_database()


def empty_sqlite_database() -> None:
    """Deleting every row costs a fifteenth of dropping and creating the tables; they are
    rebuilt only when the schema is not the one the models describe."""
    tables = {table.name for table in _db.metadata.sorted_tables}
    with _db.engine.begin() as connection:
        present = set(connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").scalars())
        if present == tables:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())
            add_initial_rows(connection)
            return
    _db.drop_all()
    _db.create_all()


def add_initial_rows(connection) -> None:
    """The rows a table is created with (the catalogue version's)."""
    for table in _db.metadata.sorted_tables:
        table.dispatch.after_create(table, connection, checkfirst=False, _ddl_runner=None,
                                    _is_metadata_operation=False)


POSTGRES_SCHEMAS_BUILT: set[str] = set()


def empty_postgres_database() -> None:
    """Building the schema costs PostgreSQL ten times what emptying it does, so it is built
    once per database and run, and rebuilt only when a test dropped tables (the migration and
    browser tests do).

    The tables are emptied with DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE
    gives each of the tables and their indexes new files, half a second to a second and a half
    per test on this machine against a few milliseconds. The sequences restart as TRUNCATE's
    RESTART IDENTITY made them do."""
    url = _db.engine.url.render_as_string()
    tables = {table.name for table in _db.metadata.sorted_tables}
    with _db.engine.begin() as connection:
        # A connection a test leaked holding a lock fails the next test, not the whole run.
        connection.exec_driver_sql("SET LOCAL lock_timeout = '60s'")
        present = set(connection.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").scalars())
        if url in POSTGRES_SCHEMAS_BUILT and tables <= present:
            # As a replica: no key checks or triggers while every table is emptied anyway.
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica; " + " ".join(
                f'DELETE FROM "{name}";' for name in sorted(tables)))
            connection.exec_driver_sql(
                "SELECT setval(CAST(quote_ident(schemaname) || '.' || quote_ident(sequencename) AS regclass), 1, false) "
                "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL")
            add_initial_rows(connection)
            return
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    _db.create_all()
    POSTGRES_SCHEMAS_BUILT.add(url)


# The demo


@pytest.fixture(scope="session")
def demo_snapshot(shared_app):
    """The demo seeded once per worker and Vietnamese day (seconds of work) and kept as rows: its
    counts, and each table's rows in key order (areas before the areas they contain). Its sales
    history runs back from the day it is seeded, so a run that passes midnight in Vietnam
    (17:00 UTC) seeds it again rather than hand the next tests yesterday's history."""
    from storefront.seed.demo import seed_demo

    shared, _config = shared_app
    seeded = {}

    def for_today():
        today = vietnam_today()
        if today not in seeded:
            with shared.app_context():
                reset_database()
                result = seed_demo()
                rows = {table: [dict(row._mapping) for row in _db.session.execute(
                            _db.select(table).order_by(*table.primary_key.columns))]
                        for table in _db.metadata.sorted_tables}
                _db.session.remove()
            seeded.clear()
            seeded[today] = {key: value for key, value in result.items() if isinstance(value, int | list)}, rows
        return seeded[today]

    return for_today


@pytest.fixture
def demo(app, demo_snapshot):
    """This test's database as `seed_demo()` leaves it, copied from the worker's seeding of
    today; returns what seed_demo returned (its counts and accounts)."""
    result, rows = demo_snapshot()
    with _db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # areas name the areas that replaced them: check no keys
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())
        for table, table_rows in rows.items():
            if table_rows:
                connection.execute(table.insert(), table_rows)
        if connection.dialect.name == "postgresql":  # the rows came with their ids: move the sequences past them
            for table in _db.metadata.sorted_tables:
                (key, *others) = table.primary_key.columns
                if not others and isinstance(key.type, Integer):  # without a sequence: setval(NULL), a no-op
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{key.name}'), "
                        f"COALESCE((SELECT MAX(\"{key.name}\") FROM \"{table.name}\"), 0) + 1, false)")
    return dict(result)


@pytest.fixture(autouse=True)
def close_idle_connections():
    """Apps a test builds for one request never dispose of their engine: their pooled
    connections would be garbage-collected still open (a ResourceWarning, so an error) in
    whichever test happens to run then. A disposed engine simply reconnects when used again,
    except an in-memory SQLite one: its only connection is the database, which a module-wide
    world may still need."""
    yield
    for app, engines in list(_db._app_engines.items()):
        if app in SHARED_APPS:
            continue  # its connections serve the next test
        for engine in engines.values():
            if engine.url.database not in (None, "", ":memory:"):
                engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def in_english(client):
    """Pages in English, so assertions read the same whatever the translators have done."""
    client.set_cookie("lang", "en")


PASSWORD = "correct horse battery"


@pytest.fixture
def login_as(app, client):
    """Log the test client in as a new user of that role; returns the user."""
    def login(role: str, email: str | None = None):
        user = create_user(email=email or f"{role}@example.vn", password=PASSWORD, role=role)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.text
        return user

    return login


@pytest.fixture
def staff_user(login_as, in_english):
    """Logged in as programme staff, reading the pages in English."""
    return login_as("staff")


def count_rows(model) -> int:
    return _db.session.scalar(_db.select(_db.func.count()).select_from(model))


# Security settings that TestConfig turns off for most tests


class RateLimitedConfig(TestConfig):
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "3 per minute"


class CsrfConfig(TestConfig):
    WTF_CSRF_ENABLED = True


@pytest.fixture
def client_for(app):
    """Builds a client of a second app made from a config class, with its tables.

    It comes after the shared `app` on purpose: the limiter is one module-level object that
    takes its on/off switch from the app initialised last."""
    built = []

    def build(config_class: type) -> FreshContextClient:
        other = create_app(config_class)
        other.test_client_class = FreshContextClient
        with other.app_context():
            _db.create_all()  # a new in-memory SQLite database, or the shared PostgreSQL one
        built.append(other)
        client = other.test_client()
        client.set_cookie("lang", "en")
        return client

    yield build
    for other in built:
        with other.app_context():
            _db.engine.dispose()


# Mail


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port
        self.calls = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.calls.append("starttls")

    def login(self, username, password):
        self.calls.append(("login", username, password))

    def send_message(self, message):
        FakeSMTP.sent.append((self.host, self.port, self.calls, message))


class Mailbox:
    """What reached the (fake) mail server, as (host, port, calls, message). Messages wait in
    the outbox until send() runs `flask mail send`, as cron does."""

    def __init__(self, app):
        self.app, self.sent = app, FakeSMTP.sent

    def send(self) -> list:
        result = self.app.test_cli_runner().invoke(args=["mail", "send"])
        assert "Sent" in result.output, result.output
        return self.sent

    def clear(self) -> None:
        self.sent.clear()


@pytest.fixture
def smtp(app, monkeypatch):
    """A mail server is set; smtp.send() delivers the outbox to it and returns what it got."""
    for name, value in {"MAIL_SERVER": "smtp.example.vn", "MAIL_PORT": 587, "MAIL_USERNAME": "shop",
                        "MAIL_PASSWORD": "secret"}.items():
        monkeypatch.setitem(app.config, name, value)  # undone after the test, even on a shared app
    FakeSMTP.sent = []
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    return Mailbox(app)
