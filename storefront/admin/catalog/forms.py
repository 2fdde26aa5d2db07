"""Forms of the back office's catalogue pages: producers, products, photos, evaluations, lots.

The forms check what a form can (required, lengths, formats, choices); the rules the imports
share live in storefront.catalog.services and come back as errors on the same fields.
"""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired, MultipleFileField
from wtforms import BooleanField, DateField, Field, FloatField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from storefront.catalog.labels import COUNCIL_LABELS, GROUP_LABELS, PRODUCER_KIND_LABELS, TRACE_EVENT_LABELS
from storefront.catalog.models import Area, Producer
from storefront.catalog.services import LOT_CODE, PRODUCT_CODE, CatalogError
from storefront.extensions import db
from storefront.form_fields import Form, MoneyField, stripped, stripped_upper


def show_error(form: FlaskForm, error: CatalogError) -> None:
    """A refused value's message on its field (the service's name for it may differ from the
    form's: see error_fields), or above the form."""
    name = getattr(form, "error_fields", {}).get(error.field, error.field)
    field = getattr(form, name, None) if name else None
    if isinstance(field, Field):
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


class AreaPickerMixin:
    """Province › district › commune as three lists, each filled for the one above it: the
    page is sent again to refill them (by script on change, or the "show" button without it).
    A province without districts lists its communes straight away."""

    province = SelectField(_l("Province"), validate_choice=False)
    district = SelectField(_l("District"), validate_choice=False)
    commune = SelectField(_l("Commune"), validate_choice=False)
    area: Area | None = None
    error_fields = {"area": "commune"}

    def start_area(self, area: Area | None) -> None:
        """Fill the three lists, from what was sent or else from the record's area."""
        if area is not None and not self.province.raw_data:
            by_level = {a.level: a.code for a in area.lineage()}
            self.province.data = by_level.get("province", "")
            self.district.data = by_level.get("district", "")
            self.commune.data = by_level.get("commune", "")
        self.provinces = children_of(None, "province")
        self.chosen_province = next((a for a in self.provinces if a.code == self.province.data), None)
        self.districts = children_of(self.chosen_province, "district") if self.chosen_province else []
        self.chosen_district = next((a for a in self.districts if a.code == self.district.data), None)
        parent = self.chosen_district or (self.chosen_province if not self.districts else None)
        self.communes = children_of(parent, "commune") if parent else []
        self.province.choices = [SelectChoice("", _("Choose a province"))] + [
            SelectChoice(a.code, a.name) for a in self.provinces]
        self.district.choices = [SelectChoice("", _("Choose a district"))] + [
            SelectChoice(a.code, a.name) for a in self.districts]
        self.commune.choices = [SelectChoice("", _("Choose a commune"))] + [
            SelectChoice(a.code, a.name) for a in self.communes]

    def validate_province(self, field) -> None:
        if self.chosen_province is None:
            raise ValidationError(_("Choose a province from the list."))

    def validate_district(self, field) -> None:
        if self.chosen_province is not None and self.districts and self.chosen_district is None:
            raise ValidationError(_("Choose a district from the list."))

    def validate_commune(self, field) -> None:
        commune = next((a for a in self.communes if a.code == field.data), None)
        if self.communes and commune is None:
            if self.chosen_district is not None or not self.districts:
                raise ValidationError(_("Choose a commune from the list."))
            return
        self.area = commune or self.chosen_district or self.chosen_province


def children_of(parent: Area | None, level: str) -> list[Area]:
    under = Area.parent_id.is_(None) if parent is None else Area.parent_id == parent.id
    return list(db.session.scalars(db.select(Area).where(under, Area.level == level).order_by(Area.name, Area.code)))


class ProducerForm(AreaPickerMixin, Form):
    name = StringField(_l("Producer name"), filters=[stripped],
                       validators=[DataRequired(_l("Enter the producer's name.")), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in PRODUCER_KIND_LABELS.items()])
    registration_no = StringField(
        _l("Registration number"), filters=[stripped],
        validators=[DataRequired(_l("Enter the registration number.")), Length(max=40)],
    )
    address = StringField(_l("Address"), filters=[stripped], validators=[Length(max=255)])
    contact_person = StringField(_l("Contact person"), filters=[stripped], validators=[Length(max=120)])
    phone = StringField(_l("Phone"), filters=[stripped], validators=[
        Length(max=20), Optional(), Regexp(r"^\+?[0-9 .()-]{6,20}$", message=_l("Enter a phone number, e.g. 0905 123 456."))])
    email = StringField(_l("Email"), filters=[stripped], validators=[
        Length(max=120), Optional(), Email(message=_l("Enter an email address, e.g. htx@example.vn."))])
    women_led = BooleanField(_l("Led by women"))
    ethnic_minority_led = BooleanField(_l("Led by ethnic-minority people"))

    def values(self) -> dict:
        return {"name": self.name.data, "kind": self.kind.data, "registration_no": self.registration_no.data,
                "area": self.area, "address": self.address.data, "contact_person": self.contact_person.data,
                "phone": self.phone.data, "email": self.email.data, "women_led": self.women_led.data,
                "ethnic_minority_led": self.ethnic_minority_led.data}


class ProductForm(Form):
    code = StringField(_l("Product code"), filters=[stripped_upper], validators=[
        DataRequired(_l("Enter a product code.")),
        Regexp(PRODUCT_CODE.pattern + "$", message=_l("A product code has 2–30 letters, digits or dashes."))])
    name_vi = StringField(_l("Name (Vietnamese)"), filters=[stripped],
                          validators=[DataRequired(_l("Enter the product's Vietnamese name.")), Length(max=200)])
    name_en = StringField(_l("Name (English, optional)"), filters=[stripped], validators=[Length(max=200)])
    group = SelectField(_l("OCOP group"), choices=[SelectChoice(k, v) for k, v in GROUP_LABELS.items()])
    subgroup = StringField(_l("Sub-group"), filters=[stripped], validators=[Length(max=80)])
    unit = StringField(_l("Unit"), filters=[stripped], description=_l("How it is sold, e.g. “chai 500 ml”."),
                       validators=[DataRequired(_l("Enter the unit it is sold by, such as “chai 500 ml”.")), Length(max=60)])
    unit_en = StringField(_l("Unit (English, optional)"), filters=[stripped],
                          description=_l("The same unit for English pages, e.g. “500 ml bottle”."),
                          validators=[Length(max=60)])
    price = MoneyField(_l("Price (VND)"), required=True)
    unit_cost = MoneyField(_l("Unit cost (VND)"), required=True)
    producer_ref = StringField(
        _l("Producer"), filters=[stripped], description=_l("Type its name or registration number and pick it."),
        validators=[DataRequired(_l("Choose the producer.")), Length(max=40)],
    )
    description_vi = TextAreaField(_l("Description (Vietnamese)"), filters=[stripped], validators=[Length(max=5000)])
    description_en = TextAreaField(_l("Description (English, optional)"), filters=[stripped],
                                   validators=[Length(max=5000)])
    error_fields = {"producer": "producer_ref"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.producer = self.find_producer()

    def find_producer(self) -> Producer | None:
        if not self.producer_ref.data:
            return None
        return db.session.scalar(db.select(Producer).where(Producer.registration_no == self.producer_ref.data))

    def validate_producer_ref(self, field) -> None:
        if self.producer is None:
            raise ValidationError(_("No producer has the registration number %(no)s.", no=field.data))

    def values(self) -> dict:
        return {"name_vi": self.name_vi.data, "name_en": self.name_en.data or None, "group": self.group.data,
                "subgroup": self.subgroup.data, "unit": self.unit.data, "unit_en": self.unit_en.data or None, "price": self.price.data,
                "unit_cost": self.unit_cost.data, "producer": self.producer,
                "description_vi": self.description_vi.data, "description_en": self.description_en.data or None}


class PhotoForm(Form):
    photos = MultipleFileField(_l("Photos (JPEG, PNG or WebP, 10 MB each at most)"),
                               validators=[FileRequired(_l("Choose one or more photos."))])


class EvaluationForm(Form):
    score = FloatField(_l("Score (0–100)"), validators=[
        InputRequired(_l("Enter the council's score.")),
        NumberRange(0, 100, message=_l("A score is between 0 and 100."))])
    council_level = SelectField(_l("Council"), choices=[SelectChoice(k, v) for k, v in COUNCIL_LABELS.items()])
    decision_no = StringField(_l("Decision number"), filters=[stripped], validators=[Length(max=60)])
    certificate_no = StringField(_l("Certificate number (3★ and more)"), filters=[stripped],
                                 validators=[Length(max=60)])
    issued_on = DateField(_l("Issued on"), validators=[InputRequired(_l("Enter the issue date."))])


class RevokeForm(Form):
    reason = StringField(_l("Reason"), filters=[stripped],
                         validators=[DataRequired(_l("A revocation needs a reason.")), Length(max=255)])
    revoked_on = DateField(_l("Revoked on"), validators=[InputRequired(_l("Enter the revocation date."))])


class LotForm(Form):
    lot_code = StringField(_l("Lot code"), filters=[stripped_upper], validators=[
        DataRequired(_l("Enter the lot code.")),
        Regexp(LOT_CODE.pattern + "$", message=_l("A lot code has 3–40 letters, digits or dashes."))])
    produced_on = DateField(_l("Produced on"), validators=[InputRequired(_l("Enter the production date."))])
    best_before = DateField(_l("Best before (optional)"), validators=[Optional()])
    material_area = StringField(_l("Raw-material area"), filters=[stripped], validators=[Length(max=200)])
    material_place = StringField(_l("Its place"), filters=[stripped], validators=[Length(max=200)])
    material_hectares = FloatField(_l("Hectares (optional)"), validators=[
        Optional(), NumberRange(0, 1_000_000, message=_l("Enter the area in hectares, 0 or more."))])
    standards = StringField(_l("Standards (comma separated)"), filters=[stripped],
                            description=_l("VietGAP, GlobalGAP, organic, HACCP…"), validators=[Length(max=200)])

    def values(self) -> dict:
        return {"produced_on": self.produced_on.data, "best_before": self.best_before.data,
                "material_area": self.material_area.data, "material_place": self.material_place.data,
                "material_hectares": self.material_hectares.data,
                "standards": [s for s in self.standards.data.split(",") if s.strip()]}


class EventForm(Form):
    happened_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    kind = SelectField(_l("Step"), choices=[SelectChoice(k, v) for k, v in TRACE_EVENT_LABELS.items()])
    description = StringField(_l("What was done"), filters=[stripped], validators=[Length(max=500)])
    place = StringField(_l("Where"), filters=[stripped], validators=[Length(max=200)])
