"""The staff's outlet forms: open or edit an outlet (its place picked from the area tree, its spot
on a map or typed in), close it with a reason, and add a manager."""
from __future__ import annotations

import math

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from storefront.catalog.areas import find_area
from storefront.catalog.models import Area
from storefront.form_fields import Form, stripped
from storefront.outlets.management import (
    OutletDetails,
    code_problem,
    communes_of,
    coordinates_problem,
    district_places,
    opening_problem,
    place_problem,
)
from storefront.outlets.models import OUTLET_KINDS
from storefront.outlets.routes import OUTLET_KIND_LABELS
from storefront.vietqr import BANK_NAMES

PHONE = r"^[0-9+][0-9 .()+-]{5,19}$"


def code_text(value: str | None) -> str:
    return value.strip().upper() if value else ""


class CoordinateField(StringField):
    """Decimal degrees, 15.5736 or 15,5736 as Vietnamese write it; empty is no value. What was
    typed is shown again when the form comes back with an error."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip().replace(",", ".")
        self.data = None
        if not text:
            return
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise ValueError(_("Enter a number of degrees, such as 15.5736."))
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:.6f}".rstrip("0").rstrip(".")


class OutletForm(Form):
    code = StringField(_l("Code"), filters=[code_text], validators=[DataRequired(), Length(max=20)],
                       description=_l("Capital letters, digits and dashes, such as QN-514. It cannot change later."))
    name = StringField(_l("Outlet name"), filters=[stripped], validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(kind, OUTLET_KIND_LABELS[kind]) for kind in OUTLET_KINDS])
    place = SelectField(_l("District"), validate_choice=False)
    commune = SelectField(_l("Commune or ward"), validate_choice=False)
    address = StringField(_l("Street address"), filters=[stripped], validators=[DataRequired(), Length(max=255)])
    latitude = CoordinateField(_l("Latitude"), description=_l("Click the map, or type it: 15.5736"))
    longitude = CoordinateField(_l("Longitude"), description=_l("For example 108.4740"))
    phone = StringField(_l("Phone"), filters=[stripped], validators=[
        Optional(), Regexp(PHONE, message=_l("Enter a phone number, such as 0235 3812 345."))])
    opening_hours = StringField(_l("Opening hours"), filters=[stripped], validators=[Length(max=200)])
    directions = TextAreaField(_l("How to get there (optional)"), filters=[stripped], validators=[Length(max=2000)])
    pickup_enabled = BooleanField(_l("Customers can collect online orders here"))
    opened_on = DateField(_l("Opened on"), validators=[Optional()],
                          description=_l("The day it opened; the plans count it from then. Empty: today."))
    # Where customers' VietQR bank transfers for this outlet's orders go; empty: the operator's account.
    bank_bin = StringField(_l("Bank BIN (NAPAS, 6 digits)"), filters=[stripped], validators=[
        Optional(), Regexp(r"^\d{6}$", message=_l("A bank BIN has 6 digits, such as 970436."))],
        description=_l("For VietQR transfers. Leave the three bank fields empty to use the operator's account."))
    bank_account_number = StringField(_l("Bank account number"), filters=[stripped], validators=[
        Optional(), Regexp(r"^[0-9A-Za-z]{1,19}$", message=_l("An account number has up to 19 letters or digits."))])
    bank_account_name = StringField(_l("Account holder's name"), filters=[stripped], validators=[Length(max=70)])

    def __init__(self, *args, creating: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        if not creating:
            del self.code
        self.places = district_places()
        self.place.choices = [SelectChoice("", _("Choose…"))] + [
            SelectChoice(area.code, area.name if area.level == "district"
                         else _("%(province)s (no district)", province=province.name), optgroup=province.name)
            for province, areas in self.places for area in areas
        ]
        self.chosen_place = find_area(self.place.data or "")
        self.communes = communes_of(self.chosen_place) if self.chosen_place else []
        self.commune.choices = commune_choices(self.communes)

    def validate_code(self, field) -> None:
        if field.data and (problem := code_problem(field.data)):
            raise ValidationError(problem)

    def validate_place(self, field) -> None:
        known = {area.code for _province, areas in self.places for area in areas}
        if field.data not in known:
            raise ValidationError(_("Choose the district from the list."))

    def validate_commune(self, field) -> None:
        if field.data and field.data not in {area.code for area in self.communes}:
            raise ValidationError(_("Choose a commune of that district, then save again."))
        if self.chosen_place is not None and (problem := place_problem(self.area())):
            raise ValidationError(problem)

    def validate_opened_on(self, field) -> None:
        if problem := opening_problem(field.data):
            raise ValidationError(problem)

    def validate_bank_bin(self, field) -> None:
        if field.data and not field.errors and field.data not in BANK_NAMES:
            raise ValidationError(_("No bank in the NAPAS list has the BIN %(bin)s: check it with the bank.", bin=field.data))

    def validate_bank_account_name(self, field) -> None:
        bank = (self.bank_bin.data, self.bank_account_number.data, field.data)
        if any(bank) and not all(bank):
            raise ValidationError(_("Give the bank BIN, the account number and the holder's name, or none of them."))

    def validate_longitude(self, field) -> None:
        if not self.latitude.errors and (problem := coordinates_problem(self.latitude.data, field.data)):
            raise ValidationError(problem)

    def area(self) -> Area:
        commune = next((area for area in self.communes if area.code == self.commune.data), None)
        return commune or self.chosen_place

    def details(self) -> OutletDetails:
        return OutletDetails(
            name=self.name.data, kind=self.kind.data, area=self.area(), address=self.address.data,
            latitude=self.latitude.data, longitude=self.longitude.data, phone=self.phone.data,
            opening_hours=self.opening_hours.data, directions=self.directions.data,
            pickup_enabled=self.pickup_enabled.data, opened_on=self.opened_on.data,
            bank_bin=self.bank_bin.data, bank_account_number=self.bank_account_number.data,
            bank_account_name=self.bank_account_name.data,
        )

    def show_place(self, area: Area) -> None:
        """Preselect an outlet's place: its commune under its district (or province)."""
        place = area.parent if area.level == "commune" else area
        self.place.data, self.commune.data = place.code, area.code if area.level == "commune" else ""
        self.chosen_place = place
        self.communes = communes_of(place)
        self.commune.choices = commune_choices(self.communes)


def commune_choices(communes: list[Area]) -> list[SelectChoice]:
    return [SelectChoice("", _("The whole district"))] + [SelectChoice(area.code, area.name) for area in communes]


class CloseOutletForm(Form):
    reason = StringField(_l("Why does it close?"), filters=[stripped], validators=[DataRequired(), Length(max=255)])


class ManagerForm(Form):
    email = EmailField(_l("Manager's email"), filters=[stripped],
                       validators=[DataRequired(), Email(), Length(max=120)])
