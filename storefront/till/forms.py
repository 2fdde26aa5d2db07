"""Forms of the till. Numbers are read the way a cashier types them, with plain messages."""
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from storefront.form_fields import Form, MoneyField, QuantityField
from storefront.sales.models import PAYMENT_KIND_LABELS

# Above this a "cash received" is a typing slip, and PostgreSQL's integer column ends at 2^31.
MAX_CASH = 1_000_000_000

MAX_RETURN_LINES = 100  # a sale holds at most this many (storefront.till.routes.MAX_LINES)


class PosAddForm(Form):
    product_code = StringField(_l("Product code"), validators=[DataRequired(), Length(max=30)])
    qty = QuantityField(_l("Quantity"), default=1)
    # The search the cashier came from, to show its results again after adding.
    q = HiddenField()


class PosLineForm(Form):
    qty = QuantityField(_l("Quantity"))


class PosCheckoutForm(Form):
    # The sale and the total the cashier saw; the view compares them with the sale as it is
    # now (see pos.checkout_problem), so a missing or stale value gets a visible message.
    sale_number = HiddenField()
    expected_total = HiddenField()
    payment_kind = RadioField(
        _l("Payment"),
        choices=[SelectChoice(kind, label) for kind, label in PAYMENT_KIND_LABELS.items()],
        default="cash",
        validators=[DataRequired()],
    )
    cash_received = MoneyField(_l("Cash received"), maximum=MAX_CASH,
                               range_message=_l("That is more cash than a till takes; check the amount."))
    preview = SubmitField(_l("Show change"))
    complete = SubmitField(_l("Complete sale"))

    def validate_cash_received(self, field) -> None:
        if field.errors:  # not an amount at all: that message says it
            return
        if field.data is None and self.payment_kind.data == "cash":
            raise ValidationError(_l("Enter the cash received."))


class ReturnLineForm(Form):
    """One line of the sale or order; the service checks that it is one of its own."""

    line_id = HiddenField()
    qty = QuantityField(_l("Quantity returned"), default=0, minimum=0, blank=0)

    def validate_line_id(self, field) -> None:
        if not re.fullmatch(r"\d{1,18}", field.data or ""):
            raise ValidationError(_l("That line is not on this page; reload it and try again."))


class GiveBackForm(Form):
    """What every way of giving money back at the counter asks: why, and whether the goods go
    back on the shelf (or are written off, damaged or not returned)."""

    reason = StringField(_l("Reason"), filters=[lambda value: " ".join(value.split()) if value else ""],
                         validators=[DataRequired(_l("Give the reason.")), Length(max=255)])
    restock = BooleanField(_l("The goods go back on the shelf (in sellable condition)"), default=True)


def line_quantities(lines: FieldList) -> dict[int, int]:
    return {int(entry.line_id.data): entry.qty.data for entry in lines}


@dataclass
class ReturnRow:
    """A line of a sale or order as the return forms list it."""

    line_id: int
    name: str
    code: str
    unit_price: int
    left: int  # units that can still come back
    entry: Form | None = None  # its quantity field


def with_fields(form, rows: list[ReturnRow]) -> list[ReturnRow]:
    """The rows with their quantity fields, keeping what was typed; a hidden line id that was
    tampered with becomes an error at the top of the form."""
    typed = {entry.line_id.data: entry for entry in form.lines}
    form.form_errors.extend(error for entry in form.lines for error in entry.line_id.errors)
    for row in rows:
        row.entry = typed.get(str(row.line_id)) or form.lines.append_entry({"line_id": str(row.line_id), "qty": 0})
    return rows


class ReturnForm(GiveBackForm):
    # The return's own receipt number, allocated when the form is shown: sent twice, it gives back once.
    number = HiddenField()
    lines = FieldList(FormField(ReturnLineForm), max_entries=MAX_RETURN_LINES)


class VoidForm(GiveBackForm):
    number = HiddenField()
