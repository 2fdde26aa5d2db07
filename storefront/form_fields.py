"""The form every form derives from, and the fields they share: amounts of money and
quantities, each read by one rule with one message, so a number typed on the till, the order
page and the back office means the same everywhere; text trimmed the same way; and how an area
picker's form says it was sent only to refill its lists."""
from __future__ import annotations

import re

from babel.numbers import format_decimal
from flask import request
from flask_babel import format_number, get_translations, gettext as _
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import StopValidation
from wtforms.widgets import NumberInput, TextInput

from storefront.spreadsheets import parse_amount


class Form(FlaskForm):
    """WTForms' own messages ("This field is required.", "Not a valid choice.") come from the
    shop's catalogue in the visitor's language: WTForms ships none in Vietnamese."""

    class Meta:
        def get_translations(self, form):
            return get_translations()


def stripped(value: str | None) -> str:
    """What was typed, without the spaces around it (a field left out is empty)."""
    return value.strip() if value else ""


def stripped_upper(value: str | None) -> str:
    return stripped(value).upper()


# A decimal fraction such as "1,5" or "12.50": đồng have none, and guessing would be a slip
# of a thousand times (issue 12: "1,5" was 15 ₫ on one form and refused on another).
DECIMAL_LOOKING = re.compile(r"-?[0-9]+[.,][0-9]{1,2}")
CURRENCY_MARK = re.compile(r"\s*(₫|đ|vnd|vnđ)\s*$", re.IGNORECASE)


def typed_amount(text: str) -> int | str | None:
    """Đồng as people type them, grouped or not, with or without "₫": the amount, None when
    nothing was typed, or what is wrong with it."""
    text = CURRENCY_MARK.sub("", text.strip())
    return parse_amount(text) if text else None


class MoneyField(IntegerField):
    """Whole đồng, with or without thousands separators: 1250000, 1.250.000, 1,250,000 and
    1 250 000 ₫ are the same amount (the rule of storefront.spreadsheets.parse_amount, which
    reads the files). Empty is None; `required` turns that into an error. The range is checked
    here only where it is given (a price's or a revenue's is its service's rule); `signed` only
    keeps the minus key on phone keyboards. What was typed comes
    back as typed when the form has an error; an amount from the database is shown grouped as
    every price is written (storefront.i18n.vnd: 1.250.000, in both languages).
    static/js/money-input.js groups the digits as they are typed (data-money)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, required: bool = False, signed: bool = False,
                 minimum: int | None = None, maximum: int | None = None, range_message=None, **kwargs):
        render_kw = {"inputmode": "text" if signed else "numeric", "autocomplete": "off", "data-money": ""}
        kwargs["render_kw"] = {**render_kw, **(kwargs.get("render_kw") or {})}
        super().__init__(label, validators, **kwargs)
        self.required, self.range_message = required, range_message
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = CURRENCY_MARK.sub("", valuelist[0].strip())
        parsed = typed_amount(text)
        self.data = None if isinstance(parsed, str) else parsed
        if isinstance(parsed, str):
            if DECIMAL_LOOKING.fullmatch(text.replace(" ", "")):
                raise ValueError(_("Enter a whole number of đồng, without decimals, such as 1250000 or 1.250.000."))
            raise ValueError(_("Enter a whole number of đồng, such as 1250000 or 1.250.000."))

    def pre_validate(self, form) -> None:
        if self.process_errors:
            return
        if self.data is None:
            if self.required:
                raise StopValidation(_("Enter an amount in đồng."))
            return
        too_low = self.minimum is not None and self.data < self.minimum
        too_high = self.maximum is not None and self.data > self.maximum
        if too_low or too_high:
            raise StopValidation(self.range_message or self.out_of_range())

    def out_of_range(self) -> str:
        if self.maximum is None:
            return _("Enter an amount of %(min)s đồng or more.", min=format_number(self.minimum))
        if self.minimum is None:
            return _("Enter an amount of at most %(max)s đồng.", max=format_number(self.maximum))
        return _("Enter an amount from %(min)s to %(max)s đồng.",
                 min=format_number(self.minimum), max=format_number(self.maximum))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format_decimal(self.data, locale="vi_VN")


class QuantityField(IntegerField):
    """A whole number of items from `minimum` to `maximum` (whether there are that many is the
    stock's job, so the cart and the till give no maximum): digits only, a leading minus where
    the range goes below zero. Empty is `blank`; one message for every way it can be wrong."""

    def __init__(self, label=None, validators=None, *, minimum: int = 1, maximum: int | None = None,
                 blank: int | None = None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.blank, self.message = minimum, maximum, blank, message
        self.widget = NumberInput(min=minimum, max=maximum, step=1)  # None leaves max out

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        raw = valuelist[0].strip()
        if raw == "":
            self.data = self.blank
        elif re.fullmatch(r"-?[0-9]{1,15}", raw):
            self.data = int(raw)
        else:
            self.data = None
            raise ValueError(self.range_problem())

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()
        if self.data is None and self.flags.optional:
            return  # a blank line of a longer form, which says what it misses (Optional)
        too_high = self.maximum is not None and self.data is not None and self.data > self.maximum
        if self.data is None or self.data < self.minimum or too_high:
            raise StopValidation(self.range_problem())

    def range_problem(self) -> str:
        if self.message:
            return str(self.message)
        if self.maximum is None:
            return _("Enter a whole number of %(min)s or more.", min=format_number(self.minimum))
        return _("Enter a whole number from %(min)s to %(max)s.",
                 min=format_number(self.minimum), max=format_number(self.maximum))


def refreshing_area() -> bool:
    """An area picker's form (producer, outlet) was sent to list the districts or communes of a
    new choice, by its refresh_area button or by admin.js on a change, not to be saved."""
    return request.method == "POST" and "refresh_area" in request.form
