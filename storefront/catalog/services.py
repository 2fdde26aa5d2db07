"""Catalogue rules: creating products, recording evaluations, revoking certificates.

Each function is one transaction. The search index follows the commit on its own
(storefront.search.index listens to the session), so none of these touch it.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

import segno
from flask import url_for

from storefront.catalog.models import (
    CERTIFIED_MIN_STARS,
    COUNCIL_LEVELS,
    PRODUCT_GROUPS,
    Area,
    Evaluation,
    Producer,
    Product,
    TRACE_EVENT_KINDS,
    TraceEvent,
    TraceLot,
    stars_for_score,
)
from storefront.catalog.listing import ProductFilters, count_by_group, sql_listing
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.lookups import scalars_where_in


class CatalogError(ValueError):
    """Refused catalogue data, for the code that calls these functions (the seed commands, tests):
    no page shows the message, so it is not translated."""


LOT_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,39}")  # printed under the QR code on packages


def slugify(text: str) -> str:
    """'Rượu Ngô Cải Vân' -> 'ruou-ngo-cai-van' (đ folds to d like every other mark)."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


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
    description_vi: str = "",
    description_en: str | None = None,
    image_path: str | None = None,
    commit: bool = True,
) -> Product:
    if group not in PRODUCT_GROUPS:
        raise CatalogError(f"Unknown product group {group!r}.")
    if price < 0 or unit_cost < 0:
        raise CatalogError("Price and unit cost cannot be negative.")
    province, district = origin_of(producer)
    product = Product(
        code=code,
        slug=unique_slug(name_vi, code),
        name_vi=name_vi,
        name_en=name_en,
        description_vi=description_vi,
        description_en=description_en,
        group=group,
        subgroup=subgroup,
        producer=producer,
        unit=unit,
        price=price,
        unit_cost=unit_cost,
        image_path=image_path,
        province_id=province.id,
        district_id=district.id if district else None,
    )
    db.session.add(product)
    if commit:
        db.session.commit()
    return product


def update_product(product: Product, **changes) -> Product:
    """Change a product's fields (name, price, active…); the index follows the commit."""
    allowed = {
        "name_vi", "name_en", "description_vi", "description_en", "subgroup", "unit",
        "price", "unit_cost", "image_path", "active",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise CatalogError(f"Cannot change {', '.join(sorted(unknown))} here.")
    for field, value in changes.items():
        setattr(product, field, value)
    product.updated_at = utcnow()
    db.session.commit()
    return product


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
    product.certified_until = latest.expires_on if latest else None
    product.updated_at = utcnow()


def record_evaluation(
    *,
    product: Product,
    score: float,
    council_level: str,
    issued_on: date,
    decision_no: str = "",
    certificate_no: str | None = None,
    commit: bool = True,
) -> Evaluation:
    """A council's evaluation; 3★+ makes it the product's certificate for 36 months."""
    if not 0 <= score <= 100:
        raise CatalogError("A score is between 0 and 100.")
    if council_level not in COUNCIL_LEVELS:
        raise CatalogError(f"Unknown council level {council_level!r}.")
    stars = stars_for_score(score)
    evaluation = Evaluation(
        product=product,
        score=score,
        stars=stars,
        council_level=council_level,
        issued_on=issued_on,
        expires_on=Evaluation.expiry_for(issued_on),
        decision_no=decision_no,
        certificate_no=certificate_no if stars >= 3 else None,
    )
    db.session.add(evaluation)
    db.session.flush()
    refresh_certification(product)
    if commit:
        db.session.commit()
    return evaluation


def revoke_certification(*, evaluation: Evaluation, reason: str) -> None:
    if not reason.strip():
        raise CatalogError("A revocation needs a reason.")
    evaluation.revoked_at = utcnow()
    evaluation.revoked_reason = reason.strip()
    refresh_certification(evaluation.product)
    db.session.commit()


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
    commit: bool = True,
) -> TraceLot:
    """A production lot and its dated story; events are dicts of TraceEvent fields."""
    lot_code = lot_code.strip().upper()
    if not LOT_CODE.fullmatch(lot_code):
        raise CatalogError("A lot code has 3–40 letters, digits or dashes.")
    if db.session.scalar(db.select(TraceLot.id).where(TraceLot.lot_code == lot_code)):
        raise CatalogError(f"Lot {lot_code} already exists.")
    if best_before is not None and best_before < produced_on:
        raise CatalogError("Best before cannot be earlier than the production date.")
    lot = TraceLot(
        product=product,
        lot_code=lot_code,
        produced_on=produced_on,
        best_before=best_before,
        material_area=material_area,
        material_place=material_place,
        material_hectares=material_hectares,
        standards=", ".join(standards),
    )
    for event in events:
        if event.get("kind") not in TRACE_EVENT_KINDS:
            raise CatalogError(f"Unknown trace event kind {event.get('kind')!r}.")
        lot.events.append(TraceEvent(**event))
    db.session.add(lot)
    if commit:
        db.session.commit()
    return lot


def find_product(slug: str) -> Product | None:
    return db.session.scalar(db.select(Product).where(Product.slug == slug[:160]))


def find_lot(lot_code: str) -> TraceLot | None:
    return db.session.scalar(
        db.select(TraceLot).where(TraceLot.lot_code == lot_code.strip().upper()[:40])
    )


def lot_qr_svg(lot: TraceLot, *, scale: int) -> str:
    """The QR printed on the package: it opens the lot's public traceability page."""
    url = url_for("catalog.trace", lot_code=lot.lot_code, _external=True)
    return segno.make(url, error="m").svg_inline(scale=scale, title=lot.lot_code)


def featured_products(*, limit: int) -> list[Product]:
    filters = ProductFilters(stars=(5, 4))
    return sql_listing(filters, per_page=limit).products


def public_counts_by_group() -> dict[str, int]:
    return count_by_group()
