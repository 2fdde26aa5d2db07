"""Accounts: registering, logging in and out, rate limits, cookies and `flask users create`."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import BASE_DIR
from storefront.accounts.models import User
from storefront.accounts.services import find_user
from storefront.extensions import db
from tests.conftest import PASSWORD, CsrfConfig, RateLimitedConfig
from tests.factories import make_outlet


@pytest.fixture
def client(app):
    """The test client, reading pages in English (the language these tests match)."""
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client


def register(client, **fields):
    form = {"name": "Nguyễn Thị Lan", "email": "lan@example.vn", "password": PASSWORD, "confirm": PASSWORD}
    return client.post("/register", data=form | fields)


def user_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(User.id)))


def logged_in_user_id(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


# Registering


def test_registering_creates_a_customer_and_sends_a_welcome(client, smtp):
    response = register(client, email="Lan@Example.VN")

    assert response.status_code == 302 and response.location == "/login"
    user = find_user("lan@example.vn")
    assert (user.email, user.name, user.role) == ("lan@example.vn", "Nguyễn Thị Lan", "customer")
    assert logged_in_user_id(client) is None  # they log in from the message, as an existing account would
    assert "We have sent a message to lan@example.vn: follow it to log in." in client.get(response.location).text
    [(_host, _port, _calls, message)] = smtp.send()
    assert message["To"] == "Nguyễn Thị Lan <lan@example.vn>"
    assert message["Subject"] == "Your OCOP Market account is ready"  # in the visitor's language
    assert "http://localhost/login" in message.get_content()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"password": "short", "confirm": "short"}, "The password needs at least 10 characters."),
        ({"confirm": PASSWORD + "!"}, "The passwords differ."),
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"name": ""}, "This field is required."),
    ],
    ids=["short password", "mismatched confirm", "bad email", "no name"],
)
def test_a_bad_registration_shows_the_form_again_with_the_error(client, fields, message):
    response = register(client, **fields)

    assert response.status_code == 200
    assert f'<p class="field-error" role="alert">{message}</p>' in response.text
    assert user_count() == 0
    assert logged_in_user_id(client) is None


def test_registering_an_email_twice_answers_as_for_a_new_one_and_reminds_the_holder(client, smtp):
    """The page cannot tell a visitor who has an account; the holder's mailbox can."""
    first = register(client, email="lan@example.vn")
    first_page = client.get("/login").text
    smtp.send()
    smtp.clear()

    again = register(client, email="LAN@example.vn", name="Someone else")

    assert (again.status_code, again.location) == (first.status_code, first.location)
    assert client.get("/login").text == first_page
    assert user_count() == 1 and find_user("lan@example.vn").name == "Nguyễn Thị Lan"
    [(_host, _port, _calls, message)] = smtp.send()
    assert message["To"] == "Nguyễn Thị Lan <lan@example.vn>"
    assert message["Subject"] == "You already have an OCOP Market account"
    assert "http://localhost/password/forgot" in message.get_content()


def test_passwords_are_stored_hashed(client):
    register(client)

    user = find_user("lan@example.vn")
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert user.check_password(PASSWORD) and not user.check_password(PASSWORD.upper())


@pytest.mark.parametrize("path, fields", [
    ("/login", {"email": "username", "password": "current-password"}),
    ("/register", {"name": "name", "email": "username", "password": "new-password", "confirm": "new-password"}),
    ("/password/forgot", {"email": "username"}),
])
def test_password_managers_and_phones_can_fill_the_account_forms(client, path, fields):
    page = client.get(path).text
    for name, autocomplete in fields.items():
        tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page).group(0)
        assert f'autocomplete="{autocomplete}"' in tag, tag


# Logging in and out


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client):
    register(client)
    client.post("/logout")

    wrong_password = client.post("/login", data={"email": "lan@example.vn", "password": "nope nope nope"})
    unknown_email = client.post("/login", data={"email": "who@example.vn", "password": PASSWORD})

    for response in (wrong_password, unknown_email):
        assert response.status_code == 200
        assert "Wrong email or password." in response.text
    assert logged_in_user_id(client) is None


def test_logging_in_follows_a_local_next_page_only(client):
    register(client)
    client.post("/logout")

    to_products = client.post("/login?next=/products", data={"email": "lan@example.vn", "password": PASSWORD})
    client.post("/logout")
    elsewhere = client.post("/login?next=//evil.example/", data={"email": "lan@example.vn", "password": PASSWORD})

    assert to_products.status_code == elsewhere.status_code == 302
    assert to_products.location == "/products"
    assert elsewhere.location == "/"


@pytest.mark.parametrize("language, message", [
    ("vi", "Vui lòng đăng nhập để xem trang này."),
    ("en", "Please log in to see this page."),
])
def test_a_page_behind_login_sends_visitors_to_log_in_in_their_language(client, language, message):
    client.set_cookie("lang", language)
    response = client.get("/admin/", follow_redirects=True)
    assert response.request.path == "/login"
    assert message in response.text


def test_the_session_cookie_after_login_is_httponly_and_samesite(client):
    register(client)
    client.post("/logout")

    response = client.post("/login", data={"email": "lan@example.vn", "password": PASSWORD})

    cookie = next(header for header in response.headers.getlist("Set-Cookie") if header.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_logging_out_takes_a_post(client):
    register(client)
    client.post("/login", data={"email": "lan@example.vn", "password": PASSWORD})

    assert client.get("/logout").status_code == 405
    assert logged_in_user_id(client) is not None

    response = client.post("/logout")

    assert response.status_code == 302
    assert logged_in_user_id(client) is None


# Security settings that TestConfig turns off for the other tests


def test_login_attempts_are_rate_limited(client_for):
    client = client_for(RateLimitedConfig)
    attempt = {"email": "lan@example.vn", "password": "guessing again"}

    responses = [client.post("/login", data=attempt) for _ in range(4)]

    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert "Too many attempts. Please wait a moment and try again." in responses[-1].text
    assert client.get("/login").status_code == 200  # reading the form is not an attempt


def test_forms_without_the_csrf_token_are_refused(client_for):
    client = client_for(CsrfConfig)

    response = client.post("/login", data={"email": "lan@example.vn", "password": PASSWORD})

    assert response.status_code == 400
    assert "The request could not be understood." in response.text


def test_production_sends_cookies_over_https_only_and_needs_a_secret_key(tmp_path: Path):
    """Config reads the environment when it is imported, so ask a fresh interpreter."""
    script = """
import json
from config import Config
from storefront import create_app

app = create_app(Config)
settings = {name: app.config[name] for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE")}
Config.SECRET_KEY = None
try:
    create_app(Config)
except RuntimeError as error:
    settings["without_key"] = str(error)
print(json.dumps(settings))
"""
    environment = {
        name: value for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "SEARCH_INDEX_DIR", "FLASK_DEBUG")
    }
    environment |= {"APP_ENV": "production", "SECRET_KEY": "x" * 64, "INSTANCE_DIR": str(tmp_path)}

    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout.splitlines()[-1]) == {
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_SECURE": True,
        "without_key": "SECRET_KEY must be set when APP_ENV=production",
    }


# `flask users create`


def create_user_command(app, *options: str, password: str = PASSWORD):
    return app.test_cli_runner().invoke(args=["users", "create", *options], input=password + "\n")


def test_users_create_reads_the_password_from_stdin_and_links_a_managers_outlets(app):
    make_outlet("QN-TP-01")
    make_outlet("QN-HA-01")

    result = create_user_command(
        app, "--email", "Quan.Ly@example.vn", "--role", "manager", "--outlet", "QN-TP-01", "--outlet", "QN-HA-01"
    )

    assert result.exit_code == 0, result.output
    assert "Created manager quan.ly@example.vn" in result.output
    db.session.expire_all()
    manager = find_user("quan.ly@example.vn")
    assert manager.role == "manager"
    assert manager.check_password(PASSWORD)
    assert sorted(outlet.code for outlet in manager.outlets) == ["QN-HA-01", "QN-TP-01"]


def test_users_create_warns_about_a_manager_without_outlets(app):
    result = create_user_command(app, "--email", "ql@example.vn", "--role", "manager")

    assert result.exit_code == 0
    assert "this manager runs no outlet yet" in result.output
    assert find_user("ql@example.vn").outlets == []


@pytest.mark.parametrize(
    "options, password, message",
    [
        (["--email", "ql@example.vn", "--role", "manager"], "short", "at least 10 characters"),
        (["--email", "ql@example.vn", "--role", "manager", "--outlet", "QN-TP-01", "--outlet", "NOPE-9"],
         PASSWORD, "Unknown outlet code: NOPE-9."),
        (["--email", "khach@example.vn", "--role", "customer", "--outlet", "QN-TP-01"],
         PASSWORD, "Only managers are linked to outlets; this account's role is customer."),
        (["--email", "ql@example.vn", "--role", "boss"], PASSWORD, "Invalid value for '--role'"),
    ],
    ids=["short password", "unknown outlet", "outlet for a customer", "unknown role"],
)
def test_users_create_refuses_bad_input_and_creates_nobody(app, options, password, message):
    make_outlet("QN-TP-01")

    result = create_user_command(app, *options, password=password)

    assert result.exit_code != 0
    assert message in result.output
    assert user_count() == 0


def test_users_create_refuses_an_existing_email(app):
    create_user_command(app, "--email", "ql@example.vn", "--role", "staff")

    result = create_user_command(app, "--email", "QL@example.vn", "--role", "admin")

    assert result.exit_code == 1
    assert "An account for ql@example.vn already exists." in result.output
    assert find_user("ql@example.vn").role == "staff"
