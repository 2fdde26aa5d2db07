from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from storefront.clock import utcnow
from storefront.extensions import db, trigram_index
from storefront.search.analysis import folded

ROLES = ("customer", "manager", "staff", "admin")


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="")  # prefills checkout
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="customer")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Name and email folded (no tone marks, lowercase), so the people list finds "Nguyễn" by "nguyen".
    search_text: Mapped[str] = mapped_column(String(250), default="", server_default="")
    # Carried in every session cookie (get_id) and compared on each request: raising it ends all
    # the account's sessions, copied cookies included (logout, new password, role, disabling).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    addresses: Mapped[list[DeliveryAddress]] = relationship(
        order_by="DeliveryAddress.id", cascade="all, delete-orphan"
    )

    @validates("email")
    def normalise_email(self, _key: str, email: str) -> str:
        """Stored in lower case, so finding an account by email uses the unique index."""
        return email.strip().lower()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        self.session_version += 1

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")


class DeliveryAddress(db.Model):
    """An address a customer keeps on their account; the first one prefills the checkout."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The people list filters by role in the order of emails.
db.Index("ix_user_role_email", User.role, User.email)
trigram_index("ix_user_search_text_trgm", User.search_text)  # the people list's search


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def fold_for_search(_mapper, _connection, user: User) -> None:
    user.search_text = folded(f"{user.name} {user.email}")
