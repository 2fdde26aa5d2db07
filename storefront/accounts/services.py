"""Accounts: creating users, checking and resetting their passwords, and the admin's rules for
people (roles, disabling, reset links). Each change to an account is audited in its own
transaction; the session rules of issue 11 hook into change_role, disable_user and set_password.
"""
from __future__ import annotations

import secrets
import time
from functools import lru_cache

from flask import current_app, g, session
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from flask_login import login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from storefront.accounts.models import ROLES, DeliveryAddress, User
from storefront.audit.services import record_change
from storefront.extensions import db
from storefront.mail.services import external_url, queue_message
from storefront.outlets.services import unassign_manager
from storefront.revalidation import csrf_field
from storefront.search.analysis import folded
from storefront.transactions import transaction

MAX_ADDRESSES = 5
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# zxcvbn's scale: 3 is "safely unguessable", about 10^8 guesses or more. Below it are the common
# passwords, their variants ("Password123!"), keyboard rows, dates and the account's own name.
MIN_PASSWORD_SCORE = 3
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses to judge longer ones; their first 72 characters decide
LOGGED_IN_AT = "logged_in_at"
PEOPLE_PER_PAGE = 50
DEFAULT_LANGUAGE = "vi"
RESET_SALT = "password-reset"


class AccountError(Exception):
    """A refused account change; the message is lazy, so pages show it in the visitor's language
    and `flask users create` in English."""


class WrongPassword(AccountError):
    """The current password, asked before choosing a new one, is not the account's."""


class ResetLinkInvalid(AccountError):
    """A reset link that was never issued, was altered, or was already used."""


class ResetLinkExpired(AccountError):
    """A genuine reset link, too old."""


def load_user(session_id: str) -> User | None:
    """Flask-Login's user loader, on every request: the account a session names, if that session
    was not ended (its session version is the account's) and has not outlived its role's limit."""
    user_id, _, version = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or version != str(user.session_version) or session_expired(user):
        return None
    return user


def session_hours(user: User) -> int:
    """Back-office logins are short: a stolen one can change the catalogue, stock and people."""
    return current_app.config["CUSTOMER_SESSION_HOURS" if user.role == "customer" else "STAFF_SESSION_HOURS"]


def session_expired(user: User) -> bool:
    logged_in_at = session.get(LOGGED_IN_AT)
    return not isinstance(logged_in_at, int) or time.time() - logged_in_at > session_hours(user) * 3600


def log_in(user: User) -> None:
    login_user(user)
    session[LOGGED_IN_AT] = int(time.time())
    forget_csrf_secret()


def log_out(user: User) -> None:
    """Ends this session and every other one of the account: a copy of the cookie taken before
    (on a shared computer, by malware) opens nothing afterwards."""
    with transaction():
        user.end_sessions()
    logout_user()
    forget_csrf_secret()


def forget_csrf_secret() -> None:
    """Form tokens last as long as the session's secret (WTF_CSRF_TIME_LIMIT is None): a new one
    at each login and logout, so a token read before either is refused after it (as Django
    rotates its token at login)."""
    session.pop(csrf_field(), None)
    g.pop(csrf_field(), None)  # the token this request made, if any, from the secret gone


def find_user(email: str) -> User | None:
    """The account with this email, in any case (emails are stored in lower case)."""
    return db.session.scalar(db.select(User).where(User.email == email.strip().lower()))


def check_password_rules(password: str, *, email: str = "", name: str = "") -> None:
    """The rules for every new password (sign-up, reset, `flask users create`); the forms call it
    through storefront.accounts.forms.AcceptablePassword."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(_l("The password can have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH))
    own_words = [word for word in (email, email.partition("@")[0], *name.split()) if word]
    if zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=own_words)["score"] < MIN_PASSWORD_SCORE:
        raise AccountError(_l("This password is too easy to guess: it is a common one, or close to one, "
                              "or made of your name or email. Add a few unusual words."))


def create_user(
    *, email: str, password: str, role: str = "customer", name: str = "", commit: bool = True
) -> User:
    """A new account; commit=False leaves it in the session for the caller to commit with more."""
    email = email.strip().lower()
    if role not in ROLES:
        # A caller's mistake, never a visitor's: sign-up makes customers, the CLI offers only ROLES.
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    check_password_rules(password, email=email, name=name)
    if find_user(email) is not None:
        raise AccountError(_l("An account for %(email)s already exists.", email=email))
    user = User(email=email, role=role, name=name.strip())
    user.set_password(password)
    db.session.add(user)
    if commit:
        commit_new_account(email)
    return user


def commit_new_account(email: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:  # another sign-up for the same email committed in between
        db.session.rollback()
        raise AccountError(_l("An account for %(email)s already exists.", email=email))


def authenticate(*, email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        # As slow as checking a real password, so the time taken does not tell who has an account.
        check_password_hash(dummy_password_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


@lru_cache
def dummy_password_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method)


def register_customer(*, email: str, password: str, name: str, language: str) -> None:
    """Sign-up that reveals nobody: a new address gets its account and a welcome message, an
    address that has an account gets a reminder of it. The visitor sees the same either way and
    logs in from the message; both ways cost a password hash, so the time taken is the same too."""
    existing = find_user(email)
    if existing is None:
        user = create_user(email=email, password=password, name=name, commit=False)
        send_account_message(user, language, existed=False)
        commit_new_account(email)
    else:
        generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        with transaction():
            send_account_message(existing, language, existed=True)


# --- People (the admin's rules) ----------------------------------------------------------------


def people_page(*, q: str = "", role: str | None = None, active: bool | None = None,
                page: int | None = None) -> Pagination:
    """Accounts by email, searched in name and email with or without diacritics."""
    statement = select(User).order_by(User.email)
    if words := folded(q):
        statement = statement.where(User.search_text.contains(words, autoescape=True))
    if role:
        statement = statement.where(User.role == role)
    if active is not None:
        statement = statement.where(User.active.is_(active))
    return db.paginate(statement, page=page, per_page=PEOPLE_PER_PAGE, error_out=False)


def refuse_leaving_no_admin(user: User) -> None:
    """Refuse a change that takes `user` out of the active admins if no other would be left.

    The active admins' rows stay locked until the transaction ends (on PostgreSQL), so two
    admins demoting each other at the same moment cannot both succeed.
    """
    admins = db.session.scalars(
        select(User.id).where(User.role == "admin", User.active.is_(True)).order_by(User.id).with_for_update()
    ).all()
    if user.id in admins and len(admins) == 1:
        raise AccountError(_l("%(email)s is the last active admin: make someone else an admin first.",
                              email=user.email))


def change_role(*, user: User, role: str, actor: User | None) -> bool:
    """Give the account another role; False if it already had it. A manager who becomes
    anything else stops running their outlets."""
    if role not in ROLES:
        raise AccountError(_l("Choose one of the roles."))
    if role == user.role:
        return False
    with transaction():
        if user.role == "admin":
            refuse_leaving_no_admin(user)
        if role != "manager":
            for outlet in sorted(user.outlets, key=lambda outlet: outlet.code):
                unassign_manager(outlet=outlet, user=user, actor=actor, commit=False)
        before = user.role
        user.role = role
        user.end_sessions()  # they log in again into the new role, with its session length
        record_change(actor=actor, record=user, action="change_role", before={"role": before},
                      after={"role": role}, label=user.email)
    return True


def disable_user(*, user: User, actor: User | None) -> None:
    """The account can no longer log in, and its open sessions end on their next request
    (Flask-Login treats an inactive user as logged out). Its history stays."""
    if actor is not None and actor.id == user.id:
        raise AccountError(_l("You cannot disable your own account."))
    if not user.active:
        return
    with transaction():
        if user.role == "admin":
            refuse_leaving_no_admin(user)
        user.active = False
        user.end_sessions()  # enabling the account again does not bring old sessions back
        record_change(actor=actor, record=user, action="disable", before={"active": True},
                      after={"active": False}, label=user.email)


def enable_user(*, user: User, actor: User | None) -> None:
    if user.active:
        return
    with transaction():
        user.active = True
        record_change(actor=actor, record=user, action="enable", before={"active": False},
                      after={"active": True}, label=user.email)


def set_password(*, user: User, password: str, actor: User | None) -> None:
    """A new password for the account. Every reset link issued before stops working, and every
    session the account had ends."""
    check_password_rules(password, email=user.email, name=user.name)
    with transaction():
        user.set_password(password)
        user.end_sessions()
        # No hashes in the log: the entry says that the password changed, and who changed it.
        record_change(actor=actor, record=user, action="set_password", label=user.email)


# --- A person's own account page ---------------------------------------------------------------


def update_profile(*, user: User, name: str, phone: str) -> None:
    """The name and phone number that prefill the checkout."""
    with transaction():
        user.name, user.phone = name, phone


def add_address(*, user: User, address: str) -> DeliveryAddress | None:
    """Keep a delivery address (the first one prefills the checkout); one already kept is not
    kept twice."""
    if any(kept.address == address for kept in user.addresses):
        return None
    if len(user.addresses) >= MAX_ADDRESSES:
        raise AccountError(_l("You can keep %(n)d addresses: remove one first.", n=MAX_ADDRESSES))
    with transaction():
        kept = DeliveryAddress(address=address)
        user.addresses.append(kept)
    return kept


def remove_address(*, user: User, address: DeliveryAddress) -> None:
    with transaction():
        user.addresses.remove(address)


def change_password(*, user: User, current: str, password: str) -> None:
    """A new password chosen while logged in, after the current one. Like a reset, it ends the
    account's sessions; the caller logs this one in again."""
    if not user.check_password(current):
        raise WrongPassword(_l("That is not your current password."))
    set_password(user=user, password=password, actor=user)


# --- Password reset links ----------------------------------------------------------------------
# Signed, not stored: a link carries the account's id and a signature whose salt includes the
# account's current password hash and email. Choosing a new password changes the hash, so the
# link then fails its signature: it works once, and so do all links sent before it. It expires
# after PASSWORD_RESET_HOURS. Nothing to clean up, and every app server can check any link.


def reset_serializer(user: User) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                  salt=f"{RESET_SALT}:{user.email}:{user.password_hash}")


def password_reset_token(user: User) -> str:
    return reset_serializer(user).dumps(user.id)


def user_for_reset_token(token: str) -> User:
    """The active account a reset link is for. Raises ResetLinkInvalid or ResetLinkExpired."""
    # The id is read unverified only to find whose salt to verify the whole link with.
    _signed, user_id = URLSafeTimedSerializer(current_app.config["SECRET_KEY"]).loads_unsafe(token)
    user = db.session.get(User, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None or not user.active:
        raise ResetLinkInvalid(_l("This password-reset link is not valid, or it was already used."))
    try:
        reset_serializer(user).loads(token, max_age=int(current_app.config["PASSWORD_RESET_HOURS"] * 3600))
    except SignatureExpired:
        raise ResetLinkExpired(_l("This password-reset link has expired.")) from None
    except BadSignature:
        raise ResetLinkInvalid(_l("This password-reset link is not valid, or it was already used.")) from None
    return user


def reset_password(*, token: str, password: str) -> User:
    """Set the password chosen through a reset link; the link cannot be used again."""
    user = user_for_reset_token(token)
    set_password(user=user, password=password, actor=user)
    return user


def request_password_reset(*, email: str, language: str) -> None:
    """The "forgot password" form: a link to an active account, if there is one. The visitor
    is told the same either way, so the form does not reveal who has an account."""
    user = find_user(email)
    if user is not None and user.active:
        with transaction():
            send_reset_link(user, language)


def send_password_reset(*, user: User, actor: User) -> None:
    """An admin sends the account a reset link (in the shop's default language); audited."""
    if not user.active:
        raise AccountError(_l("%(email)s is disabled: enable the account before sending it a link.",
                              email=user.email))
    with transaction():
        record_change(actor=actor, record=user, action="send_reset_link", label=user.email)
        send_reset_link(user, DEFAULT_LANGUAGE)


def send_reset_link(user: User, language: str) -> None:
    """Into the outbox, in the caller's transaction."""
    link = external_url("accounts.reset_password_page", token=password_reset_token(user))
    with force_locale(language):
        queue_message(kind="password_reset", to_name=user.name, to_email=user.email,
                      subject=_("Reset your OCOP Market password"), template="mail/password_reset.txt",
                      user=user, link=link, hours=current_app.config["PASSWORD_RESET_HOURS"])


def send_account_message(user: User, language: str, *, existed: bool) -> None:
    """What a sign-up sends: a welcome to a new account, or, to an address that already had one,
    a reminder of it (the page said the same in both cases). Into the outbox, in the caller's
    transaction."""
    login_link = external_url("accounts.login")
    with force_locale(language):
        if not existed:
            queue_message(kind="account_ready", to_name=user.name, to_email=user.email,
                          subject=_("Your OCOP Market account is ready"), template="mail/account_ready.txt",
                          user=user, login_link=login_link)
        else:
            queue_message(kind="account_exists", to_name=user.name, to_email=user.email,
                          subject=_("You already have an OCOP Market account"), template="mail/account_exists.txt",
                          user=user, login_link=login_link, forgot_link=external_url("accounts.forgot_password"))
