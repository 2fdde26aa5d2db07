"""Shared fixtures: an app on a fresh database, a client, and login_as(role)."""
import os

import pytest
from flask.testing import FlaskClient

from config import TestConfig
from storefront import create_app, mail
from storefront.accounts.services import create_user
from storefront.extensions import db as _db

pytest_plugins = ["tests.stripe_fixtures"]  # localstripe_url, stripe_app

IN_CI = os.environ.get("CI") == "true"


def require(condition: bool, reason: str) -> None:
    """Skip a test whose tool is missing, except in CI where that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


class FreshContextClient(FlaskClient):
    """Each request gets its own app context, hence its own `g` and database session,
    as in production, even though the test itself holds an app context open."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setattr(TestConfig, "SEARCH_INDEX_DIR", str(tmp_path / "search-index"))
    monkeypatch.setattr(TestConfig, "PHOTO_DIR", str(tmp_path / "photos"))
    app = create_app(TestConfig)
    app.test_client_class = FreshContextClient
    with app.app_context():
        reset_database()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def reset_database() -> None:
    """Start from empty tables, whatever an interrupted earlier run left behind."""
    if _db.engine.dialect.name == "postgresql":
        with _db.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        _db.drop_all()
    _db.create_all()


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


@pytest.fixture
def smtp(app, monkeypatch):
    """A mail server is set; what would go to it is kept as (host, port, calls, message)."""
    app.config.update(MAIL_SERVER="smtp.example.vn", MAIL_PORT=587, MAIL_USERNAME="shop", MAIL_PASSWORD="secret")
    FakeSMTP.sent = []
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    return FakeSMTP.sent
