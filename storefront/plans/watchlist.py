"""The re-evaluation watchlist: certificates expiring within 90 days, expired ones not yet
re-certified and revoked ones, with the producer's contact and the product's sales in the last
12 months; and the re-evaluations staff have scheduled."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from math import ceil

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from storefront.accounts.models import User
from storefront.query_args import parse_int
from storefront.catalog.models import CERTIFIED_MIN_STARS, PRODUCT_GROUPS, Area, Evaluation, Producer, Product
from storefront.clock import utc_start_of, vietnam_today
from storefront.extensions import db
from storefront.i18n import file_product_name
from storefront.plans.models import ScheduledReevaluation
from storefront.sales.models import SaleLine
from storefront.transactions import once_more_if_raced

WATCH_DAYS = 90
WATCH_STATUSES = ("expiring", "expired", "revoked")
PER_PAGE = 50


class WatchlistError(ValueError):
    """A scheduling the rules refuse; the message is meant for the user."""


@dataclass(frozen=True)
class WatchFilters:
    area: Area | None = None  # a province or a district
    group: str | None = None
    status: str | None = None

    @classmethod
    def parse(cls, args) -> WatchFilters:
        area = None
        if code := (args.get("area") or "").strip()[:20]:
            area = db.session.scalar(select(Area).where(Area.code == code, Area.level.in_(("province", "district"))))
        group = args.get("group") if args.get("group") in PRODUCT_GROUPS else None
        status = args.get("status") if args.get("status") in WATCH_STATUSES else None
        return cls(area=area, group=group, status=status)

    def args(self) -> dict:
        found = {"area": self.area.code if self.area else None, "group": self.group, "status": self.status}
        return {name: value for name, value in found.items() if value}


def watch_select(filters: WatchFilters, today: date):
    latest_revoked = (
        select(Evaluation.product_id, func.max(Evaluation.revoked_at).label("revoked_at"))
        .where(Evaluation.stars >= CERTIFIED_MIN_STARS, Evaluation.revoked_at.is_not(None))
        .group_by(Evaluation.product_id)
        .subquery("latest_revoked")
    )
    certificate = aliased(Evaluation)
    status = case(
        (Product.certification_id.is_(None), "revoked"),
        (certificate.expires_on <= today, "expired"),
        else_="expiring",
    )
    sales = (
        select(SaleLine.product_id, func.sum(SaleLine.amount).label("revenue"))
        .where(SaleLine.counts_at >= utc_start_of(today - relativedelta(months=12)),
               SaleLine.counts_at < utc_start_of(today + timedelta(days=1)))
        .group_by(SaleLine.product_id)
        .subquery("last_year_sales")
    )
    district = aliased(Area)
    statement = (
        select(
            Product.id, Product.code, Product.name_vi.label("name"), Product.name_en, Product.group, district.name.label("district"),
            status.label("status"), certificate.stars, certificate.expires_on, latest_revoked.c.revoked_at,
            Producer.name.label("producer"), Producer.contact_person, Producer.phone, Producer.email,
            func.coalesce(sales.c.revenue, 0).label("sales"),
            ScheduledReevaluation.scheduled_on, ScheduledReevaluation.note.label("schedule_note"),
        )
        .join(Producer, Producer.id == Product.producer_id)
        .outerjoin(certificate, certificate.id == Product.certification_id)
        .outerjoin(latest_revoked, latest_revoked.c.product_id == Product.id)
        .outerjoin(sales, sales.c.product_id == Product.id)
        .outerjoin(district, district.id == Product.district_id)
        .outerjoin(ScheduledReevaluation, ScheduledReevaluation.product_id == Product.id)
        .where(Product.active.is_(True), case(
            (Product.certification_id.is_not(None), certificate.expires_on <= today + timedelta(days=WATCH_DAYS)),
            else_=latest_revoked.c.revoked_at.is_not(None),
        ))
    )
    if filters.area is not None:
        column = Product.province_id if filters.area.level == "province" else Product.district_id
        statement = statement.where(column == filters.area.id)
    if filters.group:
        statement = statement.where(Product.group == filters.group)
    if filters.status:
        statement = statement.where(status == filters.status)
    order = case((status == "expiring", 0), (status == "expired", 1), else_=2)
    return statement.order_by(order, certificate.expires_on, Product.code)


@dataclass
class WatchPage:
    rows: list
    total: int
    page: int
    pages: int
    counts: dict


def watchlist_page(filters: WatchFilters, page_arg: str | None, today: date | None = None) -> WatchPage:
    today = today or vietnam_today()
    statement = watch_select(filters, today)
    found = statement.order_by(None).subquery()
    counts = dict(db.session.execute(select(found.c.status, func.count()).group_by(found.c.status)).all())
    total = sum(counts.values())
    pages = max(1, ceil(total / PER_PAGE))
    page = min(max(parse_int(page_arg) or 1, 1), pages)
    rows = db.session.execute(statement.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return WatchPage(rows=rows, total=total, page=page, pages=pages,
                     counts={status: counts.get(status, 0) for status in WATCH_STATUSES})


def watchlist_table(filters: WatchFilters, status_labels: dict, today: date | None = None):
    yield [_("Code"), _("Product"), _("District"), _("Status"), _("Stars"), _("Expires on"), _("Producer"),
           _("Contact person"), _("Phone"), _("Email"), _("Sales, last 12 months (VND)"),
           _("Re-evaluation scheduled on")]
    for row in db.session.execute(watch_select(filters, today or vietnam_today()).execution_options(yield_per=1000)):
        yield [row.code, file_product_name(row.name, row.name_en), row.district or "", str(status_labels[row.status]), row.stars, row.expires_on,
               row.producer, row.contact_person, row.phone, row.email, int(row.sales), row.scheduled_on]


def schedule_reevaluation(*, product: Product, scheduled_on: date | None, note: str, actor: User | None) -> None:
    """Mark the product's re-evaluation as scheduled on a day (None: clear the mark)."""
    if scheduled_on is not None and scheduled_on < vietnam_today() - timedelta(days=365):
        raise WatchlistError(_("Give the day the re-evaluation is scheduled for, not one over a year ago."))

    def upsert() -> None:
        found = db.session.scalar(select(ScheduledReevaluation).where(ScheduledReevaluation.product_id == product.id))
        if scheduled_on is None:
            if found is not None:
                db.session.delete(found)
            return
        if found is None:
            found = ScheduledReevaluation(product_id=product.id)
            db.session.add(found)
        found.scheduled_on, found.note, found.user_id = scheduled_on, note.strip()[:255], actor.id if actor else None

    once_more_if_raced(upsert)


def scheduled_count(province_ids: tuple[int, ...] | None) -> int:
    statement = select(func.count()).select_from(ScheduledReevaluation).join(
        Product, Product.id == ScheduledReevaluation.product_id)
    if province_ids is not None:
        statement = statement.where(Product.province_id.in_(province_ids))
    return db.session.scalar(statement) or 0
