"""The certified catalogue: areas, producers, products, evaluations and trace lots."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import DDL, BigInteger, ForeignKey, String, Text, UniqueConstraint, and_, event
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import validates
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.clock import utcnow, vietnam_date, vietnam_today
from storefront.extensions import db, trigram_index


AREA_LEVELS = ("province", "district", "commune")

PRODUCT_GROUPS = ("food", "beverage", "herbal", "handicraft", "ornamental", "tourism")

PRODUCER_KINDS = ("cooperative", "enterprise", "cooperative_group", "household")

COUNCIL_LEVELS = ("district", "province", "central")

CERTIFIED_MIN_STARS = 3
SERVICE_GROUP = "tourism"  # listed, not sold: a visit is not shipped or picked up
CERTIFICATE_MONTHS = 36


def slugify(text: str) -> str:
    """'Rượu Ngô Cải Vân' -> 'ruou-ngo-cai-van' (đ folds to d like every other mark).

    Product slugs and producers' folded names are made this way, so SQL can match a search
    typed with or without diacritics (slugified the same way) with LIKE."""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def folded_name_default(context) -> str:
    """A new producer's folded name, also for rows inserted in bulk without the ORM."""
    return slugify(context.get_current_parameters()["name"])


def stars_for_score(score: float) -> int:
    """Decision 148/QĐ-TTg (2023) bands: 90+ 5★, 70+ 4★, 50+ 3★, 30+ 2★, else 1★."""
    if score >= 90:
        return 5
    if score >= 70:
        return 4
    if score >= 50:
        return 3
    if score >= 30:
        return 2
    return 1


class Area(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    # Since July 2025 provinces merged and districts went: an area may be succeeded by another
    # from a day. Its history stays; plans of its time still count by it.
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    replaced_from: Mapped[date | None]

    parent: Mapped[Area | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    replaced_by: Mapped[Area | None] = relationship(remote_side=[id], foreign_keys=[replaced_by_id])

    def lineage(self) -> list[Area]:
        """This area and its ancestors, province first."""
        chain, area = [], self
        while area is not None:
            chain.append(area)
            area = area.parent
        return list(reversed(chain))

    def find_level(self, level: str) -> Area | None:
        return next((a for a in self.lineage() if a.level == level), None)

    @property
    def full_name(self) -> str:
        return ", ".join(a.name for a in reversed(self.lineage()))


class Producer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name folded (see slugify) for searches without diacritics; kept by the validator below.
    name_folded: Mapped[str] = mapped_column(
        String(200), default=folded_name_default, server_default="", index=True  # A–Z order
    )
    kind: Mapped[str] = mapped_column(String(20))
    registration_no: Mapped[str] = mapped_column(String(40), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    contact_person: Mapped[str] = mapped_column(String(120), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True, server_default=db.true())
    women_led: Mapped[bool] = mapped_column(default=False)
    ethnic_minority_led: Mapped[bool] = mapped_column(default=False)

    area: Mapped[Area] = relationship()

    @validates("name")
    def fold_name(self, _key: str, name: str) -> str:
        self.name_folded = slugify(name)
        return name


# Price and unit cost are INTEGER columns (2^31 - 1 on PostgreSQL); OCOP products cost a few
# million đồng at most, so anything near the ceiling is a typo.
MAX_PRICE = 2_000_000_000

# What the shop's listing filters and sorts products by (catalog.listing).
LISTING_COLUMNS = (
    "active", "certified_stars", "certified_from", "certified_until", "group", "province_id", "district_id", "price",
    "created_at",
)


def listing_order_index(name: str, *order: str) -> db.Index:
    """An index in one listing order that also holds the other listing columns: a listing page,
    filtered or not, is read from it alone."""
    return db.Index(name, *order, "id", *(column for column in LISTING_COLUMNS if column not in order))


class Product(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    group: Mapped[str] = mapped_column(String(20), index=True)
    subgroup: Mapped[str] = mapped_column(String(80), default="")
    producer_id: Mapped[int] = mapped_column(ForeignKey("producer.id"), index=True)
    unit: Mapped[str] = mapped_column(String(60))
    unit_en: Mapped[str | None] = mapped_column(String(60))
    price: Mapped[int]
    unit_cost: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    # Copied from the producer's area so listings filter by place without walking the tree.
    province_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    # Latest non-revoked 3★+ evaluation (possibly expired); kept by catalog.services.
    certification_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation.id", use_alter=True), index=True
    )
    # Its stars, issue date and end date, copied so listings filter and count without a join.
    certified_stars: Mapped[int | None]
    certified_from: Mapped[date | None]
    certified_until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    producer: Mapped[Producer] = relationship()
    province: Mapped[Area] = relationship(foreign_keys=[province_id])
    district: Mapped[Area | None] = relationship(foreign_keys=[district_id])
    # post_update: product and evaluation point at each other, so this key is set after both exist.
    certification: Mapped[Evaluation | None] = relationship(
        foreign_keys=[certification_id], post_update=True
    )
    evaluations: Mapped[list[Evaluation]] = relationship(
        back_populates="product",
        foreign_keys="Evaluation.product_id",
        order_by="Evaluation.issued_on.desc()",
    )
    # Covers the listing's filters and facet counts, so they scan the index, not the rows; and one
    # index per listing order (catalog.listing.ORDERINGS). Each holds every listing column, so
    # whichever the planner takes, a page's OFFSET steps over index entries, not rows: page 2,000
    # of 100,000 products by price took 150-180 ms, 10-17 ms so.
    __table_args__ = (
        db.Index(
            "ix_product_listing", "active", "certified_until", "certified_from", "certified_stars", "group",
            "province_id", "district_id", "price", "created_at",
        ),
        listing_order_index("ix_product_featured", "certified_stars", "created_at"),  # the default order
        listing_order_index("ix_product_price", "price"),
        listing_order_index("ix_product_newest", "created_at"),
    )
    lots: Mapped[list[TraceLot]] = relationship(
        back_populates="product", order_by="TraceLot.produced_on.desc()"
    )
    photos: Mapped[list[ProductPhoto]] = relationship(
        back_populates="product", order_by="ProductPhoto.position, ProductPhoto.id"
    )

    # Each text in the page's language; in English, the Vietnamese one where the product has
    # no English (pages then mark it lang="vi" and say so: see missing_english).
    def name(self, locale: str) -> str:
        return (self.name_en if locale == "en" and self.name_en else None) or self.name_vi

    def description(self, locale: str) -> str:
        return (self.description_en if locale == "en" and self.description_en else None) or (
            self.description_vi
        )

    def unit_in(self, locale: str) -> str:
        return (self.unit_en if locale == "en" and self.unit_en else None) or self.unit

    @property
    def name_missing_english(self) -> bool:
        return not self.name_en

    @property
    def unit_missing_english(self) -> bool:
        return not self.unit_en

    @property
    def description_missing_english(self) -> bool:
        return bool(self.description_vi) and not self.description_en

    @property
    def missing_english(self) -> bool:
        """Whether any text the product has in Vietnamese lacks its English."""
        return self.name_missing_english or self.unit_missing_english or self.description_missing_english

    @property
    def valid_certification(self) -> Evaluation | None:
        cert = self.certification
        return cert if cert is not None and cert.is_valid() else None

    # "Public" and "sellable" today, defined once for Python (product.is_public) and SQL
    # (.where(Product.is_public)). In Python they read the certificate itself; in SQL the copies
    # of its stars and days on the product (kept by catalog.services.refresh_certification), so
    # listings filter on the covering index without a join. tests/test_catalog_rules.py checks
    # that both forms agree.
    @hybrid_property
    def certificate_running(self) -> bool:
        """A 3★+ certificate issued by today, not expired and not revoked."""
        return self.valid_certification is not None

    @certificate_running.inplace.expression
    @classmethod
    def _certificate_running_expression(cls):
        today = vietnam_today()
        return and_(cls.certified_stars >= CERTIFIED_MIN_STARS, cls.certified_from <= today, cls.certified_until > today)

    @hybrid_property
    def is_public(self) -> bool:
        """Shoppers see active products whose certificate is running today."""
        return self.active and self.certificate_running

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls):
        return and_(cls.active.is_(True), cls.certificate_running)

    @hybrid_property
    def is_sellable(self) -> bool:
        """Only public products are sold, and of those not the tourism services."""
        return self.is_public and self.group != SERVICE_GROUP

    @is_sellable.inplace.expression
    @classmethod
    def _is_sellable_expression(cls):
        return and_(cls.is_public, cls.group != SERVICE_GROUP)

    @property
    def last_certificate(self) -> Evaluation | None:
        """The newest 3★+ evaluation, valid, expired or revoked."""
        return next((e for e in self.evaluations if e.certified), None)

    @property
    def has_public_page(self) -> bool:
        """Once certified, a product's page stays reachable (its QR labels are on packages):
        after expiry, revocation or withdrawal it says so and is not for sale."""
        return self.is_public or self.last_certificate is not None


class Evaluation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    score: Mapped[float]
    stars: Mapped[int]
    council_level: Mapped[str] = mapped_column(String(10))
    decision_no: Mapped[str] = mapped_column(String(60), default="")
    certificate_no: Mapped[str | None] = mapped_column(String(60))
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(255))

    product: Mapped[Product] = relationship(back_populates="evaluations", foreign_keys=[product_id])

    __table_args__ = (
        # The staff's list of evaluations is read newest first.
        db.Index("ix_evaluation_issued", "issued_on", "id"),
        # The plan indicators read each product's certificates in issue order (the one valid on
        # a day, the first one): from this index alone, not the wide rows.
        db.Index("ix_evaluation_product_history", "product_id", "issued_on", "id", "stars", "expires_on",
                 "revoked_at", "score"),
        # A council evaluates a product once on a day: a form sent twice cannot save it twice.
        db.Index("uq_evaluation_product_day_council", "product_id", "issued_on", "council_level", unique=True),
    )

    @staticmethod
    def expiry_for(issued_on: date) -> date:
        return issued_on + relativedelta(months=CERTIFICATE_MONTHS)

    @hybrid_property
    def certified(self) -> bool:
        return self.stars >= CERTIFIED_MIN_STARS

    @property
    def revoked_on(self) -> date | None:
        """The Vietnamese calendar day the certificate was revoked."""
        return vietnam_date(self.revoked_at) if self.revoked_at else None

    @hybrid_method
    def is_valid(self, on: date | None = None) -> bool:
        """A 3★+ certificate running on that day (today by default): issued, not expired, not revoked."""
        on = on or vietnam_today()
        return (
            self.certified
            and self.revoked_at is None
            and self.issued_on <= on < self.expires_on
        )

    @is_valid.inplace.expression
    @classmethod
    def _is_valid_expression(cls, on: date | None = None):
        on = on or vietnam_today()
        return and_(cls.certified, cls.revoked_at.is_(None), cls.issued_on <= on, cls.expires_on > on)


class TraceLot(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    lot_code: Mapped[str] = mapped_column(String(40), unique=True)
    produced_on: Mapped[date]
    best_before: Mapped[date | None]
    material_area: Mapped[str] = mapped_column(String(200), default="")
    material_place: Mapped[str] = mapped_column(String(200), default="")
    material_hectares: Mapped[float | None]
    standards: Mapped[str] = mapped_column(String(200), default="")

    product: Mapped[Product] = relationship(back_populates="lots")
    events: Mapped[list[TraceEvent]] = relationship(
        back_populates="lot", order_by="TraceEvent.happened_on, TraceEvent.id"
    )

    @property
    def standard_list(self) -> list[str]:
        return [s.strip() for s in self.standards.split(",") if s.strip()]


TRACE_EVENT_KINDS = ("planting", "harvest", "processing", "packaging", "inspection", "shipping")


class TraceEvent(db.Model):
    __table_args__ = (UniqueConstraint("lot_id", "happened_on", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("trace_lot.id"), index=True)
    happened_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")

    lot: Mapped[TraceLot] = relationship(back_populates="events")


# Each photo is stored in these sizes: the side in pixels, and whether the picture is cropped
# square (cards and thumbnails) or kept whole within that side (the product page: "medium" on
# phones, "full" on wide screens and to zoom into).
PHOTO_SIZES = {"thumbnail": (160, True), "card": (480, True), "medium": (800, False), "full": (1600, False)}


class ProductPhoto(db.Model):
    """One uploaded photo, stored re-encoded in each of PHOTO_SIZES (see catalog.photos)."""

    __table_args__ = (UniqueConstraint("product_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # Hash of the uploaded bytes: names the files, so a URL never changes what it shows.
    digest: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="photos")

    def filename(self, size: str) -> str:
        return f"{self.product_id}/{self.digest}-{size}.webp"

    def dimensions(self, size: str) -> tuple[int, int]:
        """Width and height of a whole (uncropped) size's file: shrunk to fit, never enlarged."""
        side, _square = PHOTO_SIZES[size]
        scale = min(1.0, side / max(self.width, self.height))
        return round(self.width * scale), round(self.height * scale)


class CatalogueVersion(db.Model):
    """One row: a number every catalogue change raises in its own transaction (see
    storefront.catalog.versions), so every worker and server agrees on what a cached page or
    count was made from."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


# The row exists from the start: raising the version is an UPDATE, never an upsert.
event.listen(CatalogueVersion.__table__, "after_create",
             DDL("INSERT INTO catalogue_version (id, version) VALUES (1, 1)"))


# Text the staff's lists search for anywhere in the value (storefront.admin.catalog.services.folded_match).
trigram_index("ix_producer_name_folded_trgm", Producer.name_folded)
trigram_index("ix_producer_registration_no_trgm", Producer.registration_no)
trigram_index("ix_product_slug_trgm", Product.slug)
trigram_index("ix_product_code_trgm", Product.code)
trigram_index("ix_evaluation_certificate_no_trgm", Evaluation.certificate_no)
trigram_index("ix_evaluation_decision_no_trgm", Evaluation.decision_no)
