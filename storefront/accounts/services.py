"""Accounts: creating users and checking their passwords."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from storefront.accounts.models import ROLES, User
from storefront.extensions import db

MIN_PASSWORD_LENGTH = 8


class AccountError(Exception):
    """A refused account; the message is lazy, so sign-up shows it in the visitor's language
    and `flask users create` in English."""


def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def find_user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    *, email: str, password: str, role: str = "customer", name: str = "", commit: bool = True
) -> User:
    """A new account; commit=False leaves it in the session for the caller to commit with more."""
    email = email.strip().lower()
    if role not in ROLES:
        # A caller's mistake, never a visitor's: sign-up makes customers, the CLI offers only ROLES.
        raise AccountError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if find_user(email) is not None:
        raise AccountError(_l("An account for %(email)s already exists.", email=email))
    user = User(email=email, role=role, name=name.strip())
    user.set_password(password)
    db.session.add(user)
    if commit:
        db.session.commit()
    return user


def authenticate(*, email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
