"""Forms of the manager's workspace. Products are named by code, looked up once per form;
an unknown code is an error on its field, never a 500."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from storefront.catalog.models import Product
from storefront.catalog.services import LOT_CODE, find_product_by_code, lot_owners, products_by_code
from storefront.form_fields import Form, MoneyField, QuantityField, stripped, stripped_upper
from storefront.i18n import local_datetime
from storefront.outlets.models import Outlet
from storefront.outlets.services import MAX_QTY, ReceiptLine, reference_first_received
from storefront.sales.models import PAYMENT_KIND_LABELS
from storefront.till.forms import MAX_RETURN_LINES, GiveBackForm, ReturnLineForm

DEFAULT_RECEIVE_ROWS = 5
MAX_RECEIVE_ROWS = 100


class ProductCodeMixin:
    """A `product_code` field whose product is found while validating (form.product)."""

    product: Product | None = None

    def validate_product_code(self, field) -> None:
        self.product = find_product_by_code(field.data)
        if self.product is None:
            raise ValidationError(_("Unknown product code %(code)s.", code=field.data[:30]))


def product_code_field() -> StringField:
    return StringField(
        _l("Product code"), filters=[stripped],
        validators=[DataRequired(_l("Enter a product code.")), Length(max=30)],
    )


class ReceiveLineForm(Form):
    product_code = StringField(_l("Product code"), filters=[stripped], validators=[Length(max=30)])
    qty = QuantityField(_l("Quantity"), maximum=MAX_QTY, validators=[Optional()])
    lot_code = StringField(
        _l("Lot code"), filters=[stripped_upper],
        validators=[Optional(), Regexp(LOT_CODE.pattern + "$", message=_l("A lot code has 3–40 letters, digits or dashes."))],
    )
    product: Product | None = None

    def is_blank(self) -> bool:
        typed_qty = (self.qty.raw_data or [""])[0].strip()
        return not (self.product_code.data or typed_qty or self.lot_code.data)


class ReceiveForm(Form):
    lines = FieldList(FormField(ReceiveLineForm), max_entries=MAX_RECEIVE_ROWS)
    reference = StringField(
        _l("Delivery note or reference (optional)"), filters=[stripped], validators=[Length(max=40)]
    )
    reuse_reference = BooleanField(_l("Yes, this is another delivery under the same reference"))

    def reference_already_used(self, outlet: Outlet) -> bool:
        """A reference goods were received under before, not yet confirmed as another delivery:
        an error on the field, and the box to confirm it appears."""
        first = reference_first_received(outlet, self.reference.data)
        if first is None or self.reuse_reference.data:
            return False
        self.reference.errors = [_("Goods were already received under %(reference)s on %(when)s: is this the same delivery again?",
                                   reference=self.reference.data, when=local_datetime(first))]
        return True

    def filled_lines(self) -> list[ReceiveLineForm]:
        return [entry.form for entry in self.lines if not entry.form.is_blank()]

    def validate(self, extra_validators=None) -> bool:
        """Each line on its own, then what needs the database: codes and lots, in one query each."""
        valid = super().validate(extra_validators)
        lines = self.filled_lines()
        if not lines:
            self.form_errors.append(_("Fill in at least one line."))
            return False
        products = products_by_code({line.product_code.data for line in lines})
        owners = lot_owners({line.lot_code.data for line in lines if line.lot_code.data})
        for line in lines:
            line.product = products.get(line.product_code.data)
            if not line.product_code.data:
                line.product_code.errors.append(_("Enter a product code."))
            elif line.product is None:
                line.product_code.errors.append(_("Unknown product code %(code)s.", code=line.product_code.data))
            if line.qty.data is None and not line.qty.errors:
                line.qty.errors.append(_("Enter a quantity."))
            owner = owners.get(line.lot_code.data)
            if line.lot_code.data and owner is None:
                # Stock under a lot nobody registered would trace back to nothing.
                line.lot_code.errors.append(_("Unknown lot code %(lot)s: check the label, or leave it empty.",
                                              lot=line.lot_code.data))
            elif line.product and owner is not None and owner != line.product.id:
                line.lot_code.errors.append(_("Lot %(lot)s belongs to another product.", lot=line.lot_code.data))
        return valid and not any(line.errors for line in lines)

    def receipt_lines(self) -> list[ReceiptLine]:
        return [
            ReceiptLine(product=line.product, qty=line.qty.data, lot_code=line.lot_code.data or None)
            for line in self.filled_lines()
        ]


class AdjustForm(ProductCodeMixin, Form):
    product_code = product_code_field()
    change = QuantityField(
        _l("Change (+ adds, − removes)"), minimum=-MAX_QTY, maximum=MAX_QTY,
        message=_l("Enter the change as a whole number, such as 5 or -3."),
    )
    reason = StringField(
        _l("Reason"), filters=[stripped],
        validators=[DataRequired(_l("Give a reason for the adjustment.")), Length(max=255)],
    )

    def validate_change(self, field) -> None:
        if field.data == 0:
            raise ValidationError(_("A change of 0 changes nothing."))


class TransferForm(ProductCodeMixin, Form):
    product_code = product_code_field()
    qty = QuantityField(_l("Quantity"), maximum=MAX_QTY)
    destination = SelectField(
        _l("Send to"), validators=[DataRequired(_l("Choose the outlet to send to."))]
    )
    reason = StringField(_l("Note (optional)"), filters=[stripped], validators=[Length(max=255)])


class ThresholdForm(Form):
    threshold = QuantityField(_l("Low-stock threshold"), minimum=0, maximum=MAX_QTY)


class StockTakeForm(Form):
    file = FileField(
        _l("Stock-take file (CSV or XLSX)"),
        validators=[
            FileRequired(_l("Choose a file to upload.")),
            FileAllowed(["csv", "xlsx"], _l("Upload a CSV or XLSX file.")),
        ],
    )


class StockTakeConfirmForm(Form):
    """Applies the stock-take a preview showed (its signed counts)."""
    counts = HiddenField(validators=[DataRequired()])


# --- The outlet's online orders -------------------------------------------------------------
# Each step is its own small POST form, so a stale page or a double click posts one step that
# the order's state then accepts or refuses.


class OrderStepForm(Form):
    """A step that needs nothing but the click (and its CSRF token)."""


class CollectForm(Form):
    # Only orders paid at handover (pickup or delivery) need it; the service refuses them without one.
    payment_kind = RadioField(
        _l("The customer paid by"),
        choices=[SelectChoice(kind, label) for kind, label in PAYMENT_KIND_LABELS.items()],
        validators=[Optional()],
    )


class ShipForm(Form):
    tracking = StringField(
        _l("Carrier and tracking number (optional)"), filters=[stripped], validators=[Length(max=255)]
    )


class CancelForm(Form):
    reason = StringField(_l("Reason (optional)"), filters=[stripped], validators=[Length(max=255)])


class RefundForm(Form):
    amount = MoneyField(_l("Amount to refund (empty: the rest of the order)"))
    restock = BooleanField(_l("Return the goods to stock (full refunds only)"))


class CounterRefundForm(GiveBackForm):
    """Goods of a collected pay-at-pickup order brought back to the counter for their money."""

    lines = FieldList(FormField(ReturnLineForm), max_entries=MAX_RETURN_LINES)
    # The refunded amount the page showed: a stale page or a second click refunds nothing more.
    refunded_before = HiddenField()
