"""Online orders: what was bought, where it is fulfilled, how it is paid, and its history."""
from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.accounts.models import User
from storefront.catalog.models import Product
from storefront.clock import utcnow
from storefront.extensions import Money, db
from storefront.i18n import vnd
from storefront.outlets.models import Outlet

FULFILMENTS = ("pickup", "delivery")
PAYMENT_METHODS = ("card", "pay_at_pickup", "pay_on_delivery", "bank_transfer")
# Paid in person when the goods are handed over (at the counter or at the door): the sale is made then.
PAID_ON_HANDOVER = ("pay_at_pickup", "pay_on_delivery")


class Status(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    AWAITING_TRANSFER = "awaiting_transfer"
    RESERVED = "reserved"
    PAYMENT_FAILED = "payment_failed"
    PAID = "paid"
    READY = "ready"
    COLLECTED = "collected"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    PARTLY_REFUNDED = "partly_refunded"


# awaiting_payment → paid → ready → collected (card, pickup)
# reserved → ready → collected (pay at pickup; the sale is made at collection)
# awaiting_payment → paid → shipped → delivered (card, delivery)
# reserved → shipped → delivered (cash on delivery; the sale is made at delivery)
# awaiting_transfer → paid → ready → collected / shipped → delivered (bank transfer; the sale is
#   made when the outlet confirms the transfer received)
# side exits: payment_failed (retry possible), cancelled, expired, refunded, partly_refunded
_REFUNDS = {Status.REFUNDED, Status.PARTLY_REFUNDED}
TRANSITIONS: dict[Status, set[Status]] = {
    Status.AWAITING_PAYMENT: {Status.PAID, Status.PAYMENT_FAILED, Status.CANCELLED, Status.EXPIRED},
    Status.AWAITING_TRANSFER: {Status.PAID, Status.CANCELLED, Status.EXPIRED},
    Status.RESERVED: {Status.READY, Status.SHIPPED, Status.CANCELLED, Status.EXPIRED},
    Status.PAYMENT_FAILED: {Status.AWAITING_PAYMENT, Status.PAID, Status.CANCELLED},
    Status.PAID: {Status.READY, Status.SHIPPED, Status.CANCELLED} | _REFUNDS,
    Status.READY: {Status.COLLECTED, Status.CANCELLED} | _REFUNDS,
    Status.SHIPPED: {Status.DELIVERED, Status.CANCELLED} | _REFUNDS,
    Status.COLLECTED: _REFUNDS,
    Status.DELIVERED: _REFUNDS,
    # A card payment or a transfer that arrives after the order lapsed is still recorded.
    Status.CANCELLED: {Status.PAID} | _REFUNDS,
    Status.EXPIRED: {Status.PAID} | _REFUNDS,
    Status.PARTLY_REFUNDED: _REFUNDS,
    Status.REFUNDED: set(),
}
EXPIRING = (Status.AWAITING_PAYMENT, Status.RESERVED, Status.AWAITING_TRANSFER)  # until reserved_until
HOLDS_RESERVATION = (Status.AWAITING_PAYMENT, Status.AWAITING_TRANSFER, Status.RESERVED, Status.READY)
# Not finished: the customer still expects to pay, collect or receive (a failed card payment may be
# retried). The rest are final.
OPEN_STATUSES = (
    Status.AWAITING_PAYMENT, Status.AWAITING_TRANSFER, Status.RESERVED, Status.PAYMENT_FAILED, Status.PAID,
    Status.READY, Status.SHIPPED,
)
CUSTOMER_CANCELLABLE = (
    Status.AWAITING_PAYMENT, Status.AWAITING_TRANSFER, Status.RESERVED, Status.PAYMENT_FAILED, Status.PAID,
)
# Handed over: a refund of what was paid in person or by transfer is made at the outlet's counter.
HANDED_OVER = (Status.COLLECTED, Status.DELIVERED, Status.PARTLY_REFUNDED)


class Step(StrEnum):
    """What a person can do to an order (storefront.orders.services.allowed_steps says who, when)."""

    READY = "ready"
    COLLECTED = "collected"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CONFIRM_TRANSFER = "confirm_transfer"
    CANCEL = "cancel"
    RETRY = "retry"  # a declined card, paid again
    REFUND = "refund"  # through Stripe, by programme staff
    COUNTER_REFUND = "counter_refund"  # goods paid in person or by transfer, back at the counter


# Display labels. The outlet's screens name each state by what the counter does next; the
# customer's pages by what the customer waits for.
STATUS_LABELS = {
    Status.AWAITING_PAYMENT: _l("Awaiting payment"),
    Status.AWAITING_TRANSFER: _l("Awaiting bank transfer"),
    Status.RESERVED: _l("Reserved"),
    Status.PAYMENT_FAILED: _l("Payment failed"),
    Status.PAID: _l("Paid"),
    Status.READY: _l("Ready for pickup"),
    Status.COLLECTED: _l("Collected"),
    Status.SHIPPED: _l("Shipped"),
    Status.DELIVERED: _l("Delivered"),
    Status.CANCELLED: _l("Cancelled"),
    Status.EXPIRED: _l("Expired"),
    Status.REFUNDED: _l("Refunded"),
    Status.PARTLY_REFUNDED: _l("Partly refunded"),
}
CUSTOMER_STATUS_LABELS = {
    Status.AWAITING_PAYMENT: _l("Waiting for card payment"),
    Status.AWAITING_TRANSFER: _l("Waiting for your bank transfer"),
    Status.RESERVED: _l("Reserved, pay at pickup"),
    Status.PAYMENT_FAILED: _l("Payment failed"),
    Status.PAID: _l("Paid"),
    Status.READY: _l("Ready for pickup"),
    Status.COLLECTED: _l("Collected"),
    Status.SHIPPED: _l("On its way"),
    Status.DELIVERED: _l("Delivered"),
    Status.CANCELLED: _l("Cancelled"),
    Status.EXPIRED: _l("Expired"),
    Status.REFUNDED: _l("Refunded"),
    Status.PARTLY_REFUNDED: _l("Partly refunded"),
}
PAYMENT_METHOD_LABELS = {
    "card": _l("Card (online)"), "pay_at_pickup": _l("Pay at pickup"), "pay_on_delivery": _l("Cash on delivery"),
    "bank_transfer": _l("Bank transfer (VietQR)"),
}
CUSTOMER_PAYMENT_METHOD_LABELS = PAYMENT_METHOD_LABELS | {"card": _l("Card")}
FULFILMENT_LABELS = {"pickup": _l("Pickup"), "delivery": _l("Delivery")}
CUSTOMER_FULFILMENT_LABELS = FULFILMENT_LABELS | {"pickup": _l("Pickup at a sales point")}


def customer_status_label(order: Order, status: str | None = None) -> str:
    """The order's status (or one it had, from its history) in the customer's words. A reserved
    order is paid where the goods change hands: at the counter or at the door."""
    status = status or order.status
    if status == Status.RESERVED and order.payment_method == "pay_on_delivery":
        return str(_l("Reserved, pay on delivery"))
    return str(CUSTOMER_STATUS_LABELS[status])


class Order(db.Model):
    # The till's end-of-day report reads an outlet's orders paid on a day.
    __table_args__ = (db.Index("ix_order_outlet_paid_at", "outlet_id", "paid_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_phone: Mapped[str] = mapped_column(String(20))
    contact_email: Mapped[str] = mapped_column(String(120))
    fulfilment: Mapped[str] = mapped_column(String(10))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), index=True)
    delivery_address: Mapped[str | None] = mapped_column(Text)
    payment_method: Mapped[str] = mapped_column(String(15))
    language: Mapped[str] = mapped_column(String(5), default="vi", server_default="vi")  # of its messages
    status: Mapped[str] = mapped_column(String(20), index=True)
    subtotal: Mapped[Money]
    shipping_fee: Mapped[Money] = mapped_column(default=0)
    total: Mapped[Money]
    refunded_amount: Mapped[Money] = mapped_column(default=0)
    reserved_until: Mapped[datetime | None] = mapped_column(index=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    # Paid to the outlet at handover (pay at pickup, cash on delivery): cash, card or transfer,
    # for the till's end-of-day report. None for orders paid online.
    paid_in_person_by: Mapped[str | None] = mapped_column(String(10))

    user: Mapped[User | None] = relationship()
    outlet: Mapped[Outlet] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id")
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id"
    )

    @property
    def holds_reservation(self) -> bool:
        # A cash-on-delivery order keeps its stock reserved while it is on its way.
        return self.status in HOLDS_RESERVATION or (self.status == Status.SHIPPED and self.unpaid_handover)

    @property
    def unpaid_handover(self) -> bool:
        """Paid in person at handover, and not yet paid."""
        return self.payment_method in PAID_ON_HANDOVER and self.paid_at is None

    @property
    def customer_can_cancel(self) -> bool:
        # Card payments are refunded through Stripe on cancel; a transfer is refunded by the outlet.
        return self.status in CUSTOMER_CANCELLABLE and not (self.paid_at and self.payment_method == "bank_transfer")

    def can_become(self, status: Status) -> bool:
        return status in TRANSITIONS.get(Status(self.status), set())


class OrderLine(db.Model):
    """Name, price and cost as they were when the order was placed."""

    __table_args__ = (UniqueConstraint("order_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(60))
    qty: Mapped[int]
    unit_price: Mapped[int]
    unit_cost: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    @property
    def amount(self) -> int:
        return self.unit_price * self.qty

    # `name` and `unit` are the Vietnamese ones as sold; English pages and messages show the
    # product's English ones where it has them (the Vietnamese where it has none).
    def name_in(self, language: str) -> str:
        return self.product.name_en if language == "en" and self.product.name_en else self.name

    def unit_in(self, language: str) -> str:
        return self.product.unit_en if language == "en" and self.product.unit_en else self.unit


# Notes the code writes into an order's history, stored in English (rows written before this
# translation keep the same text): they are shown in the reader's language.
SYSTEM_NOTES = {
    "cancelled by the customer": _l("cancelled by the customer"),
    "transfer received": _l("transfer received"),
    "payment retried": _l("payment retried"),
    "payment cancelled": _l("payment cancelled"),
    "paid after the reservation had lapsed": _l("paid after the reservation had lapsed"),
    "paid, but the stock is gone: refund or supply from elsewhere":
        _l("paid, but the stock is gone: refund or supply from elsewhere"),
    "paid at pickup: cash": _l("paid at pickup in cash"),
    "paid at pickup: card": _l("paid at pickup by card"),
    "paid at pickup: transfer": _l("paid at pickup by bank transfer"),
    "paid at delivery: cash": _l("paid on delivery in cash"),
    "paid at delivery: card": _l("paid on delivery by card"),
    "paid at delivery: transfer": _l("paid on delivery by bank transfer"),
}
# Refunds' notes carry their amount (and at the counter, whether the goods went back on the
# shelf and why): written in this one form, shown in the reader's language.
REFUND_NOTE = re.compile(r"(?P<amount>\d+) VND")
COUNTER_REFUND_NOTE = re.compile(r"refunded at the counter: (?P<amount>\d+) VND, (?P<restocked>(not )?restocked): (?P<reason>.*)",
                                 re.DOTALL)


def refund_note(amount: int) -> str:
    return f"{amount} VND"


def counter_refund_note(amount: int, *, restocked: bool, reason: str) -> str:
    return f"refunded at the counter: {amount} VND, {'restocked' if restocked else 'not restocked'}: {reason}"[:255]


class OrderEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(255), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()

    @property
    def shown_note(self) -> str:
        """The note in the current language when the code wrote it; as typed by a person otherwise."""
        note = self.note or ""
        if refund := REFUND_NOTE.fullmatch(note):
            return _("%(amount)s refunded", amount=vnd(int(refund["amount"])))
        if refund := COUNTER_REFUND_NOTE.fullmatch(note):
            if refund["restocked"] == "restocked":
                return _("%(amount)s refunded at the counter, the goods back in stock: %(reason)s",
                         amount=vnd(int(refund["amount"])), reason=refund["reason"])
            return _("%(amount)s refunded at the counter, the goods not back in stock: %(reason)s",
                     amount=vnd(int(refund["amount"])), reason=refund["reason"])
        return str(SYSTEM_NOTES.get(note, note))

    @property
    def customer_note(self) -> str:
        """shown_note for the customer's own page: a counter refund's amount, without the outlet's
        reason and what it did with the goods."""
        if refund := COUNTER_REFUND_NOTE.fullmatch(self.note or ""):
            return _("%(amount)s refunded at the counter", amount=vnd(int(refund["amount"])))
        return self.shown_note


class CartItem(db.Model):
    """A signed-in customer's cart; guests keep theirs in the session."""

    __table_args__ = (UniqueConstraint("user_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    product: Mapped[Product] = relationship()
