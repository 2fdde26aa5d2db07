"""Forms and labels for the outlet's online orders. Each step is its own small POST form,
so a stale page or a double click posts one step that the order's state then accepts or refuses."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from storefront.form_fields import MoneyField
from storefront.manage.pos_forms import MAX_RETURN_LINES, PAYMENT_LABELS, GiveBackForm, ReturnLineForm

STATUS_LABELS = {
    "awaiting_payment": _l("Awaiting payment"),
    "awaiting_transfer": _l("Awaiting bank transfer"),
    "reserved": _l("Reserved"),
    "payment_failed": _l("Payment failed"),
    "paid": _l("Paid"),
    "ready": _l("Ready for pickup"),
    "collected": _l("Collected"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
    "refunded": _l("Refunded"),
    "partly_refunded": _l("Partly refunded"),
}
PAYMENT_METHOD_LABELS = {
    "card": _l("Card (online)"), "pay_at_pickup": _l("Pay at pickup"), "pay_on_delivery": _l("Cash on delivery"),
    "bank_transfer": _l("Bank transfer (VietQR)"),
}
FULFILMENT_LABELS = {"pickup": _l("Pickup"), "delivery": _l("Delivery")}

# The list's filter: "open" (still to be worked on, the default), "all", or one status.
STATUS_FILTERS = {"open": _l("Open orders"), "all": _l("All orders"), **STATUS_LABELS}


def stripped(value: str | None) -> str:
    return value.strip() if value else ""


class OrderStepForm(FlaskForm):
    """A step that needs nothing but the click (and its CSRF token)."""


class CollectForm(FlaskForm):
    # Only orders paid at handover (pickup or delivery) need it; the service refuses them without one.
    payment_kind = RadioField(
        _l("The customer paid by"),
        choices=[SelectChoice(kind, label) for kind, label in PAYMENT_LABELS.items()],
        validators=[Optional()],
    )


class ShipForm(FlaskForm):
    tracking = StringField(
        _l("Carrier and tracking number (optional)"), filters=[stripped], validators=[Length(max=255)]
    )


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason (optional)"), filters=[stripped], validators=[Length(max=255)])


class RefundForm(FlaskForm):
    amount = MoneyField(_l("Amount to refund (empty: the rest of the order)"))
    restock = BooleanField(_l("Return the goods to stock (full refunds only)"))


class CounterRefundForm(GiveBackForm):
    """Goods of a collected pay-at-pickup order brought back to the counter for their money."""

    lines = FieldList(FormField(ReturnLineForm), max_entries=MAX_RETURN_LINES)
    # The refunded amount the page showed: a stale page or a second click refunds nothing more.
    refunded_before = HiddenField()
