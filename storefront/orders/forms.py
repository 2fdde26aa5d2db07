"""Forms of the cart, the checkout and the order page. Prices never come from a form:
the checkout names products only through the cart, and the order is priced from the database."""
from __future__ import annotations

import re

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Regexp, ValidationError

from storefront.form_fields import Form, QuantityField, stripped

# Vietnamese mobile numbers after the 2018 renumbering: 0 or +84, then 3/5/7/8/9 and 8 digits.
VIETNAMESE_MOBILE = r"^(\+84|0)(3|5|7|8|9)\d{8}$"


def compact_phone(value: str | None) -> str:
    """People write 0905 123 456, 0905.123.456 or 0905-123-456."""
    return re.sub(r"[\s.\-()]", "", value or "")


class QuantityForm(Form):
    qty = QuantityField(_l("Quantity"), default=1)


class FullAddress:
    """An address a courier can find, at checkout and among those an account keeps (which
    prefill the checkout). Since 2025 a province's communes and wards have no district above them."""

    def __call__(self, form, field) -> None:
        if len(field.data or "") < 10:
            raise ValidationError(_("Enter the full delivery address: house number and street, commune or ward, province."))


class CheckoutForm(Form):
    name = StringField(
        _l("Full name"), filters=[stripped],
        validators=[DataRequired(_l("Enter your name.")), Length(max=120)],
    )
    phone = StringField(
        _l("Mobile phone"), filters=[compact_phone],
        validators=[
            DataRequired(_l("Enter your phone number.")),
            Regexp(VIETNAMESE_MOBILE, message=_l("Enter a Vietnamese mobile number, such as 0905 123 456.")),
        ],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    email = EmailField(
        _l("Email"), filters=[stripped],
        validators=[DataRequired(_l("Enter your email address.")), Email(_l("Enter a valid email address.")), Length(max=120)],
        render_kw={"autocomplete": "email"},
    )
    fulfilment = RadioField(
        _l("How do you want to receive it?"),
        choices=[SelectChoice("pickup", _l("Pick up at a sales point")), SelectChoice("delivery", _l("Delivery to your address"))],
        validate_choice=False,
    )
    # Rendered as radio buttons from the outlets that can supply the cart (see the template).
    outlet = StringField(_l("Sales point"), filters=[stripped])
    delivery_address = TextAreaField(
        _l("Delivery address"), filters=[stripped], validators=[Length(max=300)],
        render_kw={"rows": 3, "autocomplete": "street-address"},
    )
    payment = RadioField(
        _l("Payment"),
        choices=[
            SelectChoice("card", _l("Card, now")),
            SelectChoice("bank_transfer", _l("Bank transfer (VietQR)")),
            SelectChoice("pay_at_pickup", _l("Pay at the sales point when you collect")),
            SelectChoice("pay_on_delivery", _l("Cash on delivery")),
        ],
        validate_choice=False,
    )
    cart_fingerprint = HiddenField()

    def __init__(self, *args, pickup_outlet_ids: list[int], card_enabled: bool, transfer_enabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.pickup_outlet_ids = {str(outlet_id) for outlet_id in pickup_outlet_ids}
        self.card_enabled = card_enabled
        self.transfer_enabled = transfer_enabled

    def offered(self, method: str) -> bool:
        """Whether the page offers this payment method at all (some only for one fulfilment)."""
        return {"card": self.card_enabled, "bank_transfer": self.transfer_enabled}.get(method, True)

    def validate_fulfilment(self, field) -> None:
        if field.data not in ("pickup", "delivery"):
            raise ValidationError(_("Choose pickup or delivery."))

    def validate_outlet(self, field) -> None:
        if self.fulfilment.data != "pickup":
            return
        if not field.data:
            raise ValidationError(_("Choose the sales point where you will collect your order."))
        if field.data not in self.pickup_outlet_ids:
            raise ValidationError(_("That sales point cannot supply your cart. Choose one from the list."))

    def validate_delivery_address(self, field) -> None:
        if self.fulfilment.data == "delivery":
            FullAddress()(self, field)

    def validate_payment(self, field) -> None:
        if field.data == "card" and not self.card_enabled:
            raise ValidationError(_("Card payment is not available right now."))
        if field.data == "bank_transfer" and not self.transfer_enabled:
            raise ValidationError(_("Bank transfer is not available right now."))
        if field.data == "pay_at_pickup" and self.fulfilment.data != "pickup":
            raise ValidationError(_("Paying at the sales point is only for pickup orders. Choose how you will pay."))
        if field.data == "pay_on_delivery" and self.fulfilment.data != "delivery":
            raise ValidationError(_("Cash on delivery is only for delivery orders. Choose how you will pay."))
        if field.data not in ("card", "bank_transfer", "pay_at_pickup", "pay_on_delivery"):
            raise ValidationError(_("Choose how you will pay."))
