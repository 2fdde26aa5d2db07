"""Figures for the back office's first page: the catalogue's certification, and the certificates
that lapse soon or have lapsed, aggregated in SQL."""
from datetime import timedelta

from sqlalchemy import case, func

from storefront.catalog.models import CERTIFIED_MIN_STARS, Evaluation, Product
from storefront.clock import vietnam_today
from storefront.extensions import db

EXPIRY_WARNING_DAYS = 90


def catalogue_overview() -> dict:
    today = vietnam_today()
    valid = Evaluation.is_valid(today)
    row = db.session.execute(
        db.select(
            func.count(Product.id).label("registered"),
            func.count(case((valid, Product.id))).label("certified"),
            func.count(case((Evaluation.id.is_not(None) & ~valid, Product.id))).label("expired"),
            func.count(case((Evaluation.id.is_(None), Product.id))).label("never"),
        )
        .select_from(Product)
        .outerjoin(Evaluation, Product.certification_id == Evaluation.id)
        .where(Product.active.is_(True))
    ).one()
    by_stars = dict(
        db.session.execute(
            db.select(Evaluation.stars, func.count(Product.id))
            .join(Product, Product.certification_id == Evaluation.id)
            .where(valid, Product.active.is_(True), Evaluation.stars >= CERTIFIED_MIN_STARS)
            .group_by(Evaluation.stars)
        ).all()
    )
    return {
        "registered": row.registered,
        "certified": row.certified,
        "expired": row.expired,
        "never_certified": row.never,
        "certified_share": row.certified / row.registered if row.registered else 0.0,
        "by_stars": {stars: by_stars.get(stars, 0) for stars in (5, 4, 3)},
    }


def expiring_certificates(*, within_days: int = EXPIRY_WARNING_DAYS, limit: int = 50) -> list:
    """Certificates that lapse soon: their products must be re-evaluated in time."""
    today = vietnam_today()
    return db.session.execute(
        db.select(Product, Evaluation)
        .join(Evaluation, Product.certification_id == Evaluation.id)
        .where(
            Product.active.is_(True),
            Evaluation.expires_on > today,
            Evaluation.expires_on <= today + timedelta(days=within_days),
        )
        .order_by(Evaluation.expires_on, Product.id)
        .limit(limit)
    ).all()


def expired_certificates(*, limit: int = 50) -> list:
    today = vietnam_today()
    return db.session.execute(
        db.select(Product, Evaluation)
        .join(Evaluation, Product.certification_id == Evaluation.id)
        .where(Product.active.is_(True), Evaluation.expires_on <= today)
        .order_by(Evaluation.expires_on.desc(), Product.id)
        .limit(limit)
    ).all()
