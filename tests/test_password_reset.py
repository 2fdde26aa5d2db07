"""Forgot password: the emailed link works once and for a limited time, the form reveals nobody."""
import re
import time

import pytest
from itsdangerous import TimestampSigner
from itsdangerous.encoding import base64_encode

from storefront.accounts.models import User
from storefront.accounts.services import create_user, disable_user, password_reset_token
from storefront.audit.models import AuditEntry
from storefront.extensions import db
from tests.conftest import PASSWORD, RateLimitedConfig

pytestmark = pytest.mark.usefixtures("in_english")  # assertions read English
NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"http://localhost/password/reset/(\S+)")


@pytest.fixture
def lan(app):
    return create_user(email="lan@example.vn", password=PASSWORD, name="Nguyễn Thị Lan")


@pytest.fixture
def mail_log(caplog):
    """Mail is written to the log when MAIL_SERVER is unset, as in the tests."""
    caplog.set_level("INFO")
    return caplog


def ask_for_link(client, mail_log, email="lan@example.vn") -> str | None:
    mail_log.clear()
    client.post("/password/forgot", data={"email": email})
    found = LINK.search(mail_log.text)
    return found.group(1) if found else None


def password_of(user: User, password: str) -> bool:
    db.session.expire_all()
    return db.session.get(User, user.id).check_password(password)


def reset(client, token: str, password=NEW_PASSWORD, confirm=None):
    return client.post(f"/password/reset/{token}", data={"password": password, "confirm": confirm or password})


def test_the_login_page_links_to_forgot_password(client):
    page = client.get("/login").text
    assert 'href="/password/forgot"' in page and "Forgot password?" in page


def test_a_link_is_mailed_and_sets_a_new_password_once(client, lan, mail_log):
    response = client.post("/password/forgot", data={"email": "LAN@example.vn"})

    assert response.status_code == 302 and response.location == "/login"
    assert "If an account exists for lan@example.vn, we have sent it a link" in client.get("/login").text
    assert "To: Nguyễn Thị Lan <lan@example.vn>" in mail_log.text
    assert "Subject: Reset your OCOP Market password" in mail_log.text
    token = LINK.search(mail_log.text).group(1)

    form = client.get(f"/password/reset/{token}")
    assert form.status_code == 200 and "For the account lan@example.vn." in form.text
    done = reset(client, token)
    assert done.status_code == 302 and done.location == "/login"
    assert password_of(lan, NEW_PASSWORD) and not password_of(lan, PASSWORD)
    logged_in = client.post("/login", data={"email": "lan@example.vn", "password": NEW_PASSWORD})
    assert logged_in.status_code == 302

    again = client.get(f"/password/reset/{token}")
    assert again.status_code == 404
    assert "This password-reset link is not valid, or it was already used." in again.text
    assert reset(client, token, password="yet another passphrase").status_code == 404
    assert password_of(lan, NEW_PASSWORD)

    [entry] = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "set_password")).all()
    assert (entry.record_type, entry.record_id, entry.user_id, entry.changes) == ("user", lan.id, lan.id, {})


def test_a_new_password_makes_every_older_link_useless(client, lan, mail_log):
    first, second = ask_for_link(client, mail_log), ask_for_link(client, mail_log)
    assert reset(client, second).status_code == 302
    assert client.get(f"/password/reset/{first}").status_code == 404


@pytest.mark.parametrize("email", ["who@example.vn", "off@example.vn"], ids=["unknown", "disabled"])
def test_the_form_answers_the_same_for_an_account_that_cannot_get_a_link(client, lan, mail_log, email):
    off = create_user(email="off@example.vn", password=PASSWORD)
    disable_user(user=off, actor=None)
    known = client.post("/password/forgot", data={"email": "lan@example.vn"}, follow_redirects=True)
    mail_log.clear()

    other = client.post("/password/forgot", data={"email": email}, follow_redirects=True)

    assert other.status_code == known.status_code == 200
    assert other.text.replace(email, "EMAIL") == known.text.replace("lan@example.vn", "EMAIL")
    assert "Email not sent" not in mail_log.text  # nothing was written, nothing was sent


def test_a_bad_email_shows_the_form_again(client, lan, mail_log):
    response = client.post("/password/forgot", data={"email": "not an email"})
    assert response.status_code == 200
    assert "Invalid email address." in response.text
    assert "Email not sent" not in mail_log.text


def test_an_expired_link_says_so_and_changes_nothing(client, lan, monkeypatch):
    three_hours_ago = int(time.time()) - 3 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: three_hours_ago)
        token = password_reset_token(lan)

    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 404
    assert "This password-reset link has expired." in page.text
    assert 'href="/password/forgot"' in page.text
    assert reset(client, token).status_code == 404
    assert password_of(lan, PASSWORD)


@pytest.mark.parametrize("token", ["nonsense", "eyJ1c2VyIjoxfQ.abc.def", "MQ.ZZZZZZ.ZZZZZZZZZZZZZZZZZZZZZZZZZZZ"],
                         ids=["garbage", "forged", "wrong signature"])
def test_a_wrong_link_is_404_with_a_clear_message(client, lan, token):
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 404
    assert "This password-reset link is not valid, or it was already used." in response.text


def test_a_link_with_a_nul_byte_is_a_bad_request(client, lan):
    assert client.get("/password/reset/%00").status_code == 400  # refused for every route alike


def test_a_link_made_for_another_id_does_not_work(client, lan, mail_log):
    """The id in the link is signed with the account's own salt: changing it breaks the signature."""
    other = create_user(email="other@example.vn", password=PASSWORD)
    _payload, *signed = ask_for_link(client, mail_log).split(".")
    forged = ".".join([base64_encode(str(other.id)).decode(), *signed])

    assert client.get(f"/password/reset/{forged}").status_code == 404
    assert reset(client, forged).status_code == 404
    assert password_of(other, PASSWORD)


def test_a_disabled_account_cannot_use_a_link_sent_before(client, lan, mail_log):
    token = ask_for_link(client, mail_log)
    disable_user(user=lan, actor=None)
    assert client.get(f"/password/reset/{token}").status_code == 404


@pytest.mark.parametrize(
    "password, confirm, message",
    [("short", "short", "The password needs at least 10 characters."),
     (NEW_PASSWORD, NEW_PASSWORD + "!", "The passwords differ."),
     ("", "", "This field is required.")],
    ids=["short", "mismatched", "empty"],
)
def test_a_bad_new_password_shows_the_form_again_and_keeps_the_link(client, lan, mail_log, password, confirm, message):
    token = ask_for_link(client, mail_log)

    response = reset(client, token, password=password, confirm=confirm)

    assert response.status_code == 200
    assert message in response.text
    assert password_of(lan, PASSWORD)
    assert reset(client, token).status_code == 302  # the link still works


def test_the_link_goes_out_by_smtp_when_a_mail_server_is_set(client, lan, smtp):
    client.post("/password/forgot", data={"email": "lan@example.vn"})

    [(host, _port, _calls, message)] = smtp.send()
    assert host == "smtp.example.vn" and message["To"] == "Nguyễn Thị Lan <lan@example.vn>"
    assert LINK.search(message.get_content())


def test_the_forgot_form_is_rate_limited_like_login(client_for):
    client = client_for(RateLimitedConfig)
    responses = [client.post("/password/forgot", data={"email": "lan@example.vn"}) for _ in range(4)]
    assert [response.status_code for response in responses] == [302, 302, 302, 429]
