"""Sessions end for good (logout, new password, role change, disabling, age by role), logging in
does not reveal who has an account, and new passwords must be hard to guess."""
import time

import pytest

from storefront.accounts import services
from storefront.accounts.models import User
from storefront.accounts.services import (
    LOGGED_IN_AT,
    AccountError,
    change_role,
    create_user,
    disable_user,
    enable_user,
    find_user,
    password_reset_token,
    set_password,
)
from storefront.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def second_client(app):
    """Another browser, holding a copy of the first one's session cookie when given it."""
    return app.test_client()


def copy_session(source, target) -> None:
    target.set_cookie("session", source.get_cookie("session").value)


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# Sessions


def test_a_session_cookie_copied_before_logout_opens_nothing_afterwards(client, second_client, login_as):
    login_as("admin")
    copy_session(client, second_client)
    assert second_client.get("/admin/").status_code == 200  # the copy works while the session lasts

    client.post("/logout")

    response = second_client.get("/admin/")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_new_secret_key_ends_every_session_unless_the_old_one_is_kept_as_a_fallback(app, client, login_as):
    """The cookie's signing serializer is made once per set of keys (storefront.session_cookie):
    a key changed under a running app must still be the one that signs and checks."""
    login_as("admin")
    old_key, cookie = app.secret_key, client.get_cookie("session").value
    app.secret_key = "a new key, " + old_key
    response = client.get("/admin/")
    assert response.status_code == 302 and response.location.startswith("/login")

    app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    client.set_cookie("session", cookie)  # the refusal above gave the browser a new, empty session
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("change", ["new password", "role", "disabled and enabled again"])
def test_account_changes_end_its_sessions(client, login_as, change):
    staff = login_as("staff")
    admin = create_user(email="boss@example.vn", password=PASSWORD, role="admin")
    assert client.get("/admin/").status_code == 200

    if change == "new password":
        set_password(user=staff, password="an entirely new secret", actor=staff)
    elif change == "role":
        change_role(user=staff, role="admin", actor=admin)  # even a promotion: the old session stays ended
    else:
        disable_user(user=staff, actor=admin)
        enable_user(user=staff, actor=admin)

    response = client.get("/admin/")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_after_its_session_ended_the_account_logs_in_again(client, login_as):
    staff = login_as("staff")
    client.post("/logout")

    client.post("/login", data={"email": staff.email, "password": PASSWORD})

    assert client.get("/admin/").status_code == 200
    assert fresh(staff).session_version == 2


@pytest.mark.parametrize("role, hours, still_in", [
    ("staff", 7.9, True), ("staff", 8.1, False), ("manager", 8.1, False), ("admin", 8.1, False),
    ("customer", 8.1, True), ("customer", 14 * 24 + 0.1, False),
])
def test_back_office_sessions_last_hours_and_customers_days(client, login_as, role, hours, still_in):
    login_as(role)
    with client.session_transaction() as session:
        session[LOGGED_IN_AT] = int(time.time() - hours * 3600)

    response = client.get("/orders")  # any page behind a login

    assert (response.status_code == 200) == still_in, response.status_code


# Logging in reveals nobody


def test_an_unknown_email_costs_a_password_check_like_a_known_one(client, monkeypatch):
    """Time taken would otherwise tell who has an account (15 ms against 165 ms with scrypt)."""
    checked = []
    real_check = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda *args: checked.append(args[0]) or real_check(*args))

    response = client.post("/login", data={"email": "nobody@example.vn", "password": PASSWORD})

    assert response.status_code == 200
    [hash_checked] = checked
    assert hash_checked.startswith(client.application.config["PASSWORD_HASH_METHOD"].split(":")[0] + ":")


# Passwords

GUESSABLE = ["password12", "1234567890", "qwertyuiop", "Password123!", "iloveyou123", "anhyeuem123",
             "matkhau123456", "Lan@example.vn1"]
SHORT_BUT_RANDOM = "Xq9#vT2!p"


def register(client, password: str):
    return client.post("/register", data={"name": "Lan", "email": "lan@example.vn", "password": password,
                                          "confirm": password})


@pytest.mark.parametrize("password", GUESSABLE + [SHORT_BUT_RANDOM])
def test_registration_refuses_guessable_and_short_passwords(client, in_english, password):
    response = register(client, password)

    assert response.status_code == 200
    assert ("too easy to guess" in response.text) != (password == SHORT_BUT_RANDOM)
    assert ("at least 10 characters" in response.text) == (password == SHORT_BUT_RANDOM)
    assert find_user("lan@example.vn") is None


def test_registration_accepts_a_long_uncommon_password(client):
    assert register(client, "correct horse battery").status_code == 302
    assert find_user("lan@example.vn") is not None


def test_a_reset_refuses_a_common_password(client, in_english):
    user = create_user(email="lan@example.vn", password=PASSWORD)
    token = password_reset_token(user)

    response = client.post(f"/password/reset/{token}", data={"password": "password12", "confirm": "password12"})

    assert response.status_code == 200 and "too easy to guess" in response.text
    assert fresh(user).check_password(PASSWORD)


def test_every_way_of_setting_a_password_applies_the_same_rules(app):
    user = create_user(email="lan@example.vn", password=PASSWORD)
    with pytest.raises(AccountError):
        set_password(user=user, password="iloveyou123", actor=None)
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "ql@example.vn", "--role", "admin"],
                                          input="qwertyuiop\n")
    assert result.exit_code != 0 and "too easy to guess" in result.output
    assert find_user("ql@example.vn") is None
