"""Catalogue rules: producers, products, evaluations (certificates) and trace lots.

Each function is one transaction, and a back-office change writes its audit entry in it
(storefront.audit.services). The search index follows the commit on its own
(storefront.search.index listens to the session), so none of these touch it. The checks
are plain functions too (product_problem, evaluation_problem…), for the bulk imports.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import date

import segno
from flask import url_for
from flask_babel import format_number, gettext as _
from sqlalchemy import bindparam, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from storefront.accounts.models import User
from storefront.audit.services import record_change, snapshot
from storefront.catalog.filters import Listing, ProductFilters
from storefront.catalog.listing import count_by_group, sql_listing, sql_page
from storefront.catalog.models import (
    CERTIFIED_MIN_STARS,
    COUNCIL_LEVELS,
    MAX_PRICE,
    PRODUCER_KINDS,
    PRODUCT_GROUPS,
    TRACE_EVENT_KINDS,
    Area,
    Evaluation,
    Producer,
    Product,
    TraceEvent,
    TraceLot,
    slugify,
    stars_for_score,
)
from storefront.clock import utc_start_of, utcnow, vietnam_today
from storefront.extensions import db
from storefront.lookups import rows_where_in, scalars_where_in
from storefront.search.queries import search_products


class CatalogError(ValueError):
    """Refused catalogue data. The message is for the user, in their language; `field` names
    the form field it is about, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DuplicateRecord(CatalogError):
    """A registration number, product code or lot code that another record already has."""


LOT_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,39}")  # printed under the QR code on packages
PRODUCT_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,29}")
FIRST_EVALUATION_YEAR = 2018  # the OCOP programme's first councils

# What the audit log keeps of each record.
PRODUCER_FIELDS = (
    "name", "kind", "registration_no", "area_id", "address", "contact_person", "phone", "email",
    "women_led", "ethnic_minority_led", "active",
)
PRODUCT_FIELDS = (
    "code", "name_vi", "name_en", "description_vi", "description_en", "group", "subgroup",
    "producer_id", "unit", "unit_en", "price", "unit_cost", "active",
)
EVALUATION_FIELDS = (
    "product_id", "score", "stars", "council_level", "decision_no", "certificate_no", "issued_on",
    "expires_on", "revoked_at", "revoked_reason",
)
LOT_FIELDS = (
    "lot_code", "produced_on", "best_before", "material_area", "material_place",
    "material_hectares", "standards",
)
EVENT_FIELDS = ("happened_on", "kind", "description", "place")

@contextmanager
def refusing_duplicates(error: DuplicateRecord, *, commit: bool = True) -> Iterator[None]:
    """Write, then commit (unless the caller commits later). A unique constraint refusing the
    row — someone else saved the same number a moment after our check — undoes everything and
    becomes the same clear error as the check."""
    try:
        yield
        if commit:
            db.session.commit()
        else:
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise error from None


def capitals(number: str) -> str:
    """Registration, decision and certificate numbers are kept in capitals, as they are printed
    ("12/QĐ-UBND"), so a search can match them without folding the case of every row."""
    return number.strip().upper()


# --- Producers ---------------------------------------------------------------------------------


def duplicate_registration(registration_no: str) -> DuplicateRecord:
    return DuplicateRecord(
        _("Another producer already has the registration number %(no)s.", no=registration_no),
        field="registration_no",
    )


def check_registration_free(registration_no: str, *, producer: Producer | None = None) -> None:
    other = db.session.scalar(db.select(Producer.id).where(Producer.registration_no == registration_no))
    if other is not None and (producer is None or other != producer.id):
        raise duplicate_registration(registration_no)


def producer_problem(*, name: str, kind: str, registration_no: str, area: Area | None) -> CatalogError | None:
    """The first rule a producer's values break, or None."""
    if not name.strip():
        return CatalogError(_("Enter the producer's name."), field="name")
    if kind not in PRODUCER_KINDS:
        return CatalogError(_("Choose a kind of producer from the list."), field="kind")
    if not registration_no.strip():
        return CatalogError(_("Enter the registration number."), field="registration_no")
    if area is None:
        return CatalogError(_("Choose the commune (or the province) where the producer is."), field="area")
    return None


def create_producer(*, actor: User | None, name: str, kind: str, registration_no: str, area: Area,
                    address: str = "", contact_person: str = "", phone: str = "", email: str = "",
                    women_led: bool = False, ethnic_minority_led: bool = False) -> Producer:
    registration_no = capitals(registration_no)
    if error := producer_problem(name=name, kind=kind, registration_no=registration_no, area=area):
        raise error
    check_registration_free(registration_no)
    producer = Producer(
        name=name.strip(), kind=kind, registration_no=registration_no, area=area, area_id=area.id, address=address,
        contact_person=contact_person, phone=phone, email=email, women_led=women_led,
        ethnic_minority_led=ethnic_minority_led, active=True,
    )
    with refusing_duplicates(duplicate_registration(registration_no)):
        db.session.add(producer)
        record_change(actor=actor, record=producer, action="create", after=snapshot(producer, PRODUCER_FIELDS))
    return producer


def update_producer(*, actor: User | None, producer: Producer, **changes) -> Producer:
    """Change a producer's details; moving it to another commune moves its products' origin."""
    allowed = set(PRODUCER_FIELDS) - {"area_id", "active"} | {"area"}
    if unknown := set(changes) - allowed:
        raise CatalogError(_("Cannot change %(fields)s here.", fields=", ".join(sorted(unknown))))
    if "registration_no" in changes:
        changes["registration_no"] = capitals(changes["registration_no"])
    merged = {field: changes.get(field, getattr(producer, field))
              for field in ("name", "kind", "registration_no", "area")}
    if error := producer_problem(**merged):
        raise error
    check_registration_free(merged["registration_no"], producer=producer)
    before = snapshot(producer, PRODUCER_FIELDS)
    with refusing_duplicates(duplicate_registration(merged["registration_no"])):
        for field, value in changes.items():
            setattr(producer, field, value)
        db.session.flush()
        if before["area_id"] != producer.area_id:
            move_products_origin(producer)
        record_change(actor=actor, record=producer, action="update", before=before,
                      after=snapshot(producer, PRODUCER_FIELDS))
    return producer


def move_products_origin(producer: Producer) -> None:
    """Products copy their producer's province and district (listings filter on them); the
    search index re-reads the producer's products because the producer changed."""
    province, district = origin_of(producer)
    db.session.execute(
        update(Product)
        .where(Product.producer_id == producer.id)
        .values(province_id=province.id, district_id=district.id if district else None, updated_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )


def set_producer_active(*, actor: User | None, producer: Producer, active: bool) -> int:
    """Deactivate (or reactivate) a producer. Deactivating withdraws its products from sale
    too, each with its own audit entry; reactivating leaves them for staff to bring back one
    by one. Returns how many products were withdrawn."""
    if producer.active == active:
        return 0
    withdrawn = 0
    if not active:
        for product in db.session.scalars(
            db.select(Product).where(Product.producer_id == producer.id, Product.active.is_(True))
        ):
            change_product_active(actor=actor, product=product, active=False)
            withdrawn += 1
    record_change(actor=actor, record=producer, action="activate" if active else "deactivate",
                  before={"active": producer.active}, after={"active": active})
    producer.active = active
    db.session.commit()
    return withdrawn


# --- Products ----------------------------------------------------------------------------------


def unique_slug(name: str, code: str) -> str:
    return unique_slugs([(name, code)])[0]


def unique_slugs(products: list[tuple[str, str]]) -> list[str]:
    """A URL slug for each new (name, code): the name's, or with the code added when another
    product, here or already saved, has it. One query however many products."""
    bases = [slugify(name)[:120] or slugify(code) for name, code in products]
    taken = set(scalars_where_in(db.select(Product.slug), Product.slug, set(bases)))
    slugs = []
    for base, (_name, code) in zip(bases, products):
        slug = base if base not in taken else f"{base}-{slugify(code)}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


def origin_of(producer: Producer) -> tuple[Area, Area | None]:
    area = producer.area
    province = area.find_level("province") or area.lineage()[0]
    return province, area.find_level("district")


def product_code_problem(code: str) -> CatalogError | None:
    """`code` as capitals() keeps it."""
    if not PRODUCT_CODE.fullmatch(code):
        return CatalogError(_("A product code has 2–30 letters, digits or dashes."), field="code")
    return None


def product_problem(*, name_vi: str, group: str, unit: str, price: int, unit_cost: int,
                    producer: Producer | None, keeps_producer: bool = False) -> CatalogError | None:
    """The first rule a product's values break, or None. A deactivated producer takes no new
    product; one that `keeps_producer` (already its, and not brought back on sale) can still be
    corrected."""
    if not name_vi.strip():
        return CatalogError(_("Enter the product's Vietnamese name."), field="name_vi")
    if group not in PRODUCT_GROUPS:
        return CatalogError(_("Choose a product group from the list."), field="group")
    if not unit.strip():
        return CatalogError(_("Enter the unit it is sold by, such as “chai 500 ml”."), field="unit")
    if not 0 <= price <= MAX_PRICE:
        return CatalogError(_("The price is a whole number of đồng from 0 to %(max)s.",
                              max=format_number(MAX_PRICE)), field="price")
    if not 0 <= unit_cost <= MAX_PRICE:
        return CatalogError(_("The unit cost is a whole number of đồng from 0 to %(max)s.",
                              max=format_number(MAX_PRICE)), field="unit_cost")
    if producer is None:
        return CatalogError(_("Choose the producer."), field="producer")
    if not producer.active and not keeps_producer:
        return CatalogError(_("%(producer)s is deactivated: reactivate it first.", producer=producer.name),
                            field="producer")
    return None


def code_taken(code: str) -> DuplicateRecord:
    return DuplicateRecord(_("Another product already has the code %(code)s.", code=code), field="code")


def create_product(
    *,
    code: str,
    name_vi: str,
    group: str,
    producer: Producer,
    unit: str,
    price: int,
    unit_cost: int,
    subgroup: str = "",
    name_en: str | None = None,
    unit_en: str | None = None,
    description_vi: str = "",
    description_en: str | None = None,
    actor: User | None = None,
    commit: bool = True,
) -> Product:
    code = capitals(code)
    if error := product_code_problem(code) or product_problem(name_vi=name_vi, group=group, unit=unit, price=price, unit_cost=unit_cost,
                                producer=producer):
        raise error
    if db.session.scalar(db.select(Product.id).where(Product.code == code)) is not None:
        raise code_taken(code)
    province, district = origin_of(producer)
    product = Product(
        code=code,
        slug=unique_slug(name_vi, code),
        name_vi=name_vi.strip(),
        name_en=name_en or None,
        description_vi=description_vi,
        description_en=description_en or None,
        group=group,
        subgroup=subgroup,
        producer=producer,
        producer_id=producer.id,
        unit=unit.strip(),
        unit_en=(unit_en or "").strip() or None,
        price=price,
        unit_cost=unit_cost,
        province_id=province.id,
        district_id=district.id if district else None,
    )
    with refusing_duplicates(code_taken(code), commit=commit):
        db.session.add(product)
        if actor is not None:
            record_change(actor=actor, record=product, action="create", after=snapshot(product, PRODUCT_FIELDS),
                          label=product.name_vi)
    return product


def update_product(product: Product, *, actor: User | None = None, **changes) -> Product:
    """Change a product's fields (name, price, producer…); the code and the slug stay, since
    labels and links carry them. The index follows the commit."""
    allowed = set(PRODUCT_FIELDS) - {"code", "producer_id"} | {"producer"}
    if unknown := set(changes) - allowed:
        raise CatalogError(_("Cannot change %(fields)s here.", fields=", ".join(sorted(unknown))))
    merged = {field: changes.get(field, getattr(product, field))
              for field in ("name_vi", "group", "unit", "price", "unit_cost", "producer")}
    producer_changed = merged["producer"] is not product.producer
    keeps_producer = not producer_changed and not changes.get("active")
    if error := product_problem(**merged, keeps_producer=keeps_producer):
        raise error
    before = snapshot(product, PRODUCT_FIELDS)
    for field, value in changes.items():
        setattr(product, field, value)
    if producer_changed:
        province, district = origin_of(product.producer)
        product.province_id, product.district_id = province.id, district.id if district else None
    product.updated_at = utcnow()
    db.session.flush()
    record_change(actor=actor, record=product, action="update", before=before,
                  after=snapshot(product, PRODUCT_FIELDS), label=product.name_vi)
    db.session.commit()
    return product


def change_product_active(*, actor: User | None, product: Product, active: bool) -> None:
    """Within the caller's transaction: a product leaves sale (or comes back), audited."""
    record_change(actor=actor, record=product, action="activate" if active else "deactivate",
                  before={"active": product.active}, after={"active": active}, label=product.name_vi)
    product.active = active
    product.updated_at = utcnow()


def set_product_active(*, actor: User | None, product: Product, active: bool) -> None:
    """Withdraw a product from sale (it stays on record, with its history) or bring it back."""
    if product.active == active:
        return
    if active and not product.producer.active:
        raise CatalogError(_("%(producer)s is deactivated: reactivate it first.", producer=product.producer.name))
    change_product_active(actor=actor, product=product, active=active)
    db.session.commit()


# --- Evaluations -------------------------------------------------------------------------------


def certifying_evaluation(evaluations: Iterable):
    """Which of a product's evaluations is its certification: the latest non-revoked 3★+ one,
    expired or not. Takes Evaluation objects or rows with the same columns."""
    candidates = [e for e in evaluations if e.stars >= CERTIFIED_MIN_STARS and e.revoked_at is None]
    return max(candidates, key=lambda e: (e.issued_on, e.id or 0), default=None)


def refresh_certification(product: Product) -> None:
    """Point the product at its certifying evaluation (see certifying_evaluation)."""
    latest = certifying_evaluation(product.evaluations)
    product.certification = latest
    product.certified_stars = latest.stars if latest else None
    product.certified_from = latest.issued_on if latest else None
    product.certified_until = latest.expires_on if latest else None
    product.updated_at = utcnow()


def evaluation_problem(*, score: float, council_level: str, issued_on: date,
                       certificate_no: str | None) -> CatalogError | None:
    """The first rule a council's result breaks, or None."""
    if not 0 <= score <= 100:
        return CatalogError(_("A score is between 0 and 100."), field="score")
    if council_level not in COUNCIL_LEVELS:
        return CatalogError(_("Choose the council from the list."), field="council_level")
    # A typo such as 1900 would move the product's first certified year in the growth report.
    if not date(FIRST_EVALUATION_YEAR, 1, 1) <= issued_on <= vietnam_today():
        return CatalogError(_("The issue date must be from %(first)d to today.", first=FIRST_EVALUATION_YEAR),
                            field="issued_on")
    if stars_for_score(score) >= CERTIFIED_MIN_STARS and not (certificate_no or "").strip():
        return CatalogError(_("A result of 3 stars or more comes with a certificate number."),
                            field="certificate_no")
    return None


def evaluation_taken() -> DuplicateRecord:
    return DuplicateRecord(_("This evaluation is already recorded: the product has one by the same council on "
                             "that day."), field="issued_on")


def certificate_elsewhere(certificate_no: str, code: str) -> DuplicateRecord:
    return DuplicateRecord(_("Certificate number %(no)s is already on another product, %(code)s.",
                             no=certificate_no, code=code), field="certificate_no")


def certificate_products(numbers: Collection[str]) -> dict[str, Product]:
    """The product each saved certificate number is on. A certificate number identifies one
    product's certificate: a re-evaluation of that product may keep it, no other product may."""
    statement = db.select(Evaluation.certificate_no, Product).join(Evaluation.product)
    return {number: product for number, product in rows_where_in(statement, Evaluation.certificate_no, set(numbers))}


def record_evaluation(
    *,
    product: Product,
    score: float,
    council_level: str,
    issued_on: date,
    decision_no: str = "",
    certificate_no: str | None = None,
    actor: User | None = None,
    commit: bool = True,
) -> Evaluation:
    """A council's evaluation (or re-evaluation); 3★+ makes it the product's certificate for
    36 months, from the day it is issued. A council evaluates a product once on a day, so a form
    sent twice is refused rather than saved twice."""
    if error := evaluation_problem(score=score, council_level=council_level, issued_on=issued_on,
                                   certificate_no=certificate_no):
        raise error
    stars = stars_for_score(score)
    certificate_no = capitals(certificate_no) if certificate_no and stars >= CERTIFIED_MIN_STARS else None
    if certificate_no and (owner := certificate_products([certificate_no]).get(certificate_no, product)) != product:
        raise certificate_elsewhere(certificate_no, owner.code)
    if db.session.scalar(db.select(Evaluation.id).where(
        Evaluation.product_id == product.id, Evaluation.issued_on == issued_on,
        Evaluation.council_level == council_level,
    )):
        raise evaluation_taken()
    evaluation = Evaluation(
        product=product,
        score=score,
        stars=stars,
        council_level=council_level,
        issued_on=issued_on,
        expires_on=Evaluation.expiry_for(issued_on),
        decision_no=capitals(decision_no),
        certificate_no=certificate_no,
    )
    with refusing_duplicates(evaluation_taken(), commit=False):
        db.session.add(evaluation)
    refresh_certification(product)
    if actor is not None:
        record_change(actor=actor, record=evaluation, action="create",
                      after=snapshot(evaluation, EVALUATION_FIELDS), label=evaluation_label(evaluation))
    if commit:
        db.session.commit()
    return evaluation


def evaluation_label(evaluation: Evaluation) -> str:
    """How the audit log names an evaluation: its product, stars and certificate."""
    return f"{evaluation.product.name_vi} · {evaluation.stars}★ · {evaluation.certificate_no or evaluation.issued_on}"


def revocation_problem(*, stars: int, issued_on: date, revoked_on: date | None, reason: str) -> CatalogError | None:
    """The first rule a revocation breaks, or None."""
    if stars < CERTIFIED_MIN_STARS:
        return CatalogError(_("Only a certificate (3 stars or more) can be revoked."))
    if not reason.strip():
        return CatalogError(_("A revocation needs a reason."), field="reason")
    if revoked_on is None:
        return CatalogError(_("A revocation needs its date."), field="revoked_on")
    if revoked_on < issued_on:
        return CatalogError(_("A certificate cannot be revoked before the day it was issued."), field="revoked_on")
    if revoked_on > vietnam_today():
        return CatalogError(_("The revocation date cannot be in the future."), field="revoked_on")
    return None


def revoke_certification(*, evaluation: Evaluation, reason: str, revoked_on: date | None = None,
                         actor: User | None = None) -> None:
    """Revoke a certificate from a day (today unless told): the badge goes at once, the
    history stays."""
    revoked_on = revoked_on or vietnam_today()
    if evaluation.revoked_at is not None:
        raise CatalogError(_("This certificate is already revoked."))
    if error := revocation_problem(stars=evaluation.stars, issued_on=evaluation.issued_on, revoked_on=revoked_on,
                                   reason=reason):
        raise error
    before = snapshot(evaluation, EVALUATION_FIELDS)
    evaluation.revoked_at = utcnow() if revoked_on == vietnam_today() else utc_start_of(revoked_on)
    evaluation.revoked_reason = reason.strip()[:255]
    refresh_certification(evaluation.product)
    record_change(actor=actor, record=evaluation, action="revoke", before=before,
                  after=snapshot(evaluation, EVALUATION_FIELDS), label=evaluation_label(evaluation))
    db.session.commit()


# --- Trace lots and their events -----------------------------------------------------------


def lot_taken(lot_code: str) -> DuplicateRecord:
    return DuplicateRecord(_("Lot %(code)s already exists.", code=lot_code), field="lot_code")


def lot_problem(*, lot_code: str, produced_on: date, best_before: date | None,
                material_hectares: float | None = None) -> CatalogError | None:
    if not LOT_CODE.fullmatch(lot_code):
        return CatalogError(_("A lot code has 3–40 letters, digits or dashes."), field="lot_code")
    if produced_on > vietnam_today():
        return CatalogError(_("The production date cannot be in the future."), field="produced_on")
    if best_before is not None and best_before < produced_on:
        return CatalogError(_("Best before cannot be earlier than the production date."), field="best_before")
    if material_hectares is not None and material_hectares < 0:
        return CatalogError(_("The area cannot be negative."), field="material_hectares")
    return None


def event_problem(*, kind: str) -> CatalogError | None:
    if kind not in TRACE_EVENT_KINDS:
        return CatalogError(_("Choose a kind of event from the list."), field="kind")
    return None


def create_trace_lot(
    *,
    product: Product,
    lot_code: str,
    produced_on: date,
    best_before: date | None = None,
    material_area: str = "",
    material_place: str = "",
    material_hectares: float | None = None,
    standards: list[str] | tuple[str, ...] = (),
    events: list[dict] | tuple[dict, ...] = (),
    actor: User | None = None,
    commit: bool = True,
) -> TraceLot:
    """A production lot and its dated story; events are dicts of TraceEvent fields."""
    lot_code = lot_code.strip().upper()
    if error := lot_problem(lot_code=lot_code, produced_on=produced_on, best_before=best_before,
                            material_hectares=material_hectares):
        raise error
    if db.session.scalar(db.select(TraceLot.id).where(TraceLot.lot_code == lot_code)):
        raise lot_taken(lot_code)
    lot = TraceLot(
        product=product,
        lot_code=lot_code,
        produced_on=produced_on,
        best_before=best_before,
        material_area=material_area,
        material_place=material_place,
        material_hectares=material_hectares,
        standards=", ".join(s.strip() for s in standards if s.strip()),
    )
    for event in events:
        if error := event_problem(kind=event.get("kind", "")):
            raise error
        lot.events.append(TraceEvent(**event))
    with refusing_duplicates(lot_taken(lot_code), commit=commit):
        db.session.add(lot)
        if actor is not None:
            record_change(actor=actor, record=lot, action="create", after=snapshot(lot, LOT_FIELDS),
                          label=lot.lot_code)
    return lot


def update_trace_lot(*, actor: User | None, lot: TraceLot, produced_on: date, best_before: date | None,
                     material_area: str, material_place: str, material_hectares: float | None,
                     standards: list[str]) -> TraceLot:
    """Correct a lot's details; its code stays, since it is printed on the packages."""
    if error := lot_problem(lot_code=lot.lot_code, produced_on=produced_on, best_before=best_before,
                            material_hectares=material_hectares):
        raise error
    before = snapshot(lot, LOT_FIELDS)
    lot.produced_on, lot.best_before = produced_on, best_before
    lot.material_area, lot.material_place, lot.material_hectares = material_area, material_place, material_hectares
    lot.standards = ", ".join(s.strip() for s in standards if s.strip())
    record_change(actor=actor, record=lot, action="update", before=before, after=snapshot(lot, LOT_FIELDS),
                  label=lot.lot_code)
    db.session.commit()
    return lot


def add_trace_event(*, actor: User | None, lot: TraceLot, happened_on: date, kind: str,
                    description: str = "", place: str = "") -> TraceEvent:
    """A dated step of the lot's story; the lot's audit entry lists the event added."""
    if error := event_problem(kind=kind):
        raise error
    taken = DuplicateRecord(_("This lot already has that kind of event on that day."), field="kind")
    if db.session.scalar(db.select(TraceEvent.id).where(
        TraceEvent.lot_id == lot.id, TraceEvent.happened_on == happened_on, TraceEvent.kind == kind
    )):
        raise taken
    event = TraceEvent(lot=lot, happened_on=happened_on, kind=kind, description=description, place=place)
    with refusing_duplicates(taken):
        db.session.add(event)
        record_change(actor=actor, record=lot, action="add_event", after={"event": snapshot(event, EVENT_FIELDS)},
                      label=lot.lot_code)
    return event


def remove_trace_event(*, actor: User | None, event: TraceEvent) -> None:
    lot = event.lot
    record_change(actor=actor, record=lot, action="remove_event",
                  before={"event": snapshot(event, EVENT_FIELDS)}, label=lot.lot_code)
    db.session.delete(event)
    db.session.commit()


# --- Reading -----------------------------------------------------------------------------------


# With what the product page and the API show, in the same statement: its certification, and
# its producer's place up to the province (three round trips fewer, row by row). Built once:
# building it (and its cache key) on each request cost more than running it.
PRODUCT_BY_SLUG = db.select(Product).where(Product.slug == bindparam("slug")).options(
    joinedload(Product.certification),
    joinedload(Product.producer).joinedload(Producer.area).joinedload(Area.parent).joinedload(Area.parent),
)


def find_product(slug: str) -> Product | None:
    return db.session.scalar(PRODUCT_BY_SLUG, {"slug": slug[:160]})


def code_or_name_matches(q: str):
    """A condition on Product: its code contains `q`, or its name does, with or without
    diacritics (the slug is the name folded the same way, no tone marks and đ→d, so SQL can match it)."""
    matches = [Product.code.icontains(q, autoescape=True)]
    if folded := slugify(q):
        matches.append(Product.slug.contains(folded))
    return db.or_(*matches)


def products_by_code(codes: set[str]) -> dict[str, Product]:
    """Products keyed by the codes as typed; a code also matches in upper case."""
    codes = {code for code in codes if code}
    if not codes:
        return {}
    found = {
        product.code: product
        for product in scalars_where_in(db.select(Product), Product.code, codes | {code.upper() for code in codes})
    }
    matches = {code: found.get(code) or found.get(code.upper()) for code in codes}
    return {code: product for code, product in matches.items() if product is not None}


def find_product_by_code(code: str) -> Product | None:
    code = code.strip()[:30]
    return products_by_code({code}).get(code)


def products_with(*, cards: bool):
    """Products with their certification (whether one is for sale depends on it) in the same
    query; with `cards`, their photos too, in one query for all of them."""
    statement = db.select(Product).options(joinedload(Product.certification))
    return statement.options(selectinload(Product.photos)) if cards else statement


# A cart's few products (every cart and checkout request reads them) by statements built once:
# building one and its cache key on each request cost more than running it. Longer lists (a
# stock take) are read in batches by where_in.
FEW_IDS = 50
FEW_PRODUCTS_BY_ID = {
    False: products_with(cards=False).where(Product.id.in_(bindparam("ids", expanding=True))),
    # The cart page's: photos joined, a few rows a product, for one round trip less.
    True: products_with(cards=False).options(joinedload(Product.photos))
    .where(Product.id.in_(bindparam("ids", expanding=True))),
}


def products_by_id(ids: Collection[int], *, with_cards: bool = False) -> dict[int, Product]:
    """The products among these ids that exist (see products_with)."""
    ids = set(ids)
    if len(ids) <= FEW_IDS:
        found = db.session.scalars(FEW_PRODUCTS_BY_ID[with_cards], {"ids": list(ids)}).unique()
    else:
        found = scalars_where_in(products_with(cards=with_cards), Product.id, ids)
    return {product.id: product for product in found}


def lot_owners(lot_codes: set[str]) -> dict[str, int]:
    """Registered trace lots among these codes, with the product each belongs to."""
    if not lot_codes:
        return {}
    rows = db.session.execute(
        db.select(TraceLot.lot_code, TraceLot.product_id).where(TraceLot.lot_code.in_(lot_codes))
    )
    return {lot_code: product_id for lot_code, product_id in rows}


def find_lot(lot_code: str) -> TraceLot | None:
    return db.session.scalar(
        db.select(TraceLot).where(TraceLot.lot_code == lot_code.strip().upper()[:40])
    )


def lot_url(lot: TraceLot) -> str:
    return url_for("catalog.trace", lot_code=lot.lot_code, _external=True)


def lot_qr_svg(lot: TraceLot, *, scale: int) -> str:
    """The QR printed on the package: it opens the lot's public traceability page."""
    return segno.make(lot_url(lot), error="m").svg_inline(scale=scale, title=lot.lot_code)


def featured_products(*, limit: int) -> list[Product]:
    filters = ProductFilters(stars=(5, 4))
    return sql_page(filters, per_page=limit)


def public_counts_by_group() -> dict[str, int]:
    return count_by_group()


def list_products(filters: ProductFilters, per_page: int) -> Listing:
    """A page of the catalogue: the search index answers a text query (it ranks, and forgives
    missing accents and typos); SQL answers the rest."""
    if filters.q:
        return search_products(filters, per_page=per_page)
    return sql_listing(filters, per_page)
