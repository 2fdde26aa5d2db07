"""The plans' growth target: how many times its pre-OCOP revenue and profit a product must reach
in its first certified year. Set per plan year, for one province or for every province; the
report takes the product's province's target for its certification year, else the national one,
else GROWTH_TARGET_DEFAULT."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.catalog.models import Area
from storefront.extensions import db
from storefront.reports.models import GROWTH_RATIO, PlanTarget
from storefront.transactions import once_more_if_raced, transaction

LOWEST, HIGHEST = Decimal(1), Decimal(10)  # below 1× is no growth; above 10× is a typo
HUNDREDTH = Decimal("0.01")


class TargetError(ValueError):
    """A target that breaks a rule; the message is meant for the user."""


def value_problem(value: Decimal) -> str | None:
    """Targets are stored exactly, in hundredths: more decimals would be changed silently."""
    if not LOWEST <= value <= HIGHEST:
        return _("A growth target is from 1 to 10 times the baseline.")
    if value != value.quantize(HUNDREDTH):
        return _("Give the target with at most two decimals, such as 1.25.")
    return None


def growth_targets() -> list[PlanTarget]:
    """Newest plan year first; in a year, the national target before the provinces'."""
    return list(db.session.scalars(
        select(PlanTarget)
        .outerjoin(Area, Area.id == PlanTarget.area_id)
        .where(PlanTarget.indicator == GROWTH_RATIO)
        .order_by(PlanTarget.year.desc(), PlanTarget.area_id.is_not(None), Area.name)
    ))


def set_growth_target(*, year: int, province: Area | None, value: Decimal) -> bool:
    """Create or change the target of that year and province (None: every province).
    True when it is new."""
    if province is not None and province.level != "province":
        raise TargetError(_("A growth target is set for a whole province."))
    if problem := value_problem(value):
        raise TargetError(problem)
    area_id = province.id if province else None

    def upsert() -> bool:
        target = db.session.scalar(select(PlanTarget).where(
            PlanTarget.indicator == GROWTH_RATIO, PlanTarget.year == year,
            PlanTarget.area_id.is_(None) if area_id is None else PlanTarget.area_id == area_id,
        ))
        created = target is None
        if created:
            target = PlanTarget(indicator=GROWTH_RATIO, year=year, area_id=area_id)
            db.session.add(target)
        target.value = value
        return created

    return once_more_if_raced(upsert)


def remove_growth_target(*, target: PlanTarget) -> None:
    with transaction():
        db.session.delete(target)
