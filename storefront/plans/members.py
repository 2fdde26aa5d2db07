"""The rows behind an indicator's number — products, producers, districts or sales points, and
whether each is counted — filtered, a page at a time or all of them for a file."""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from flask_babel import gettext as _, pgettext
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from storefront.catalog.areas import todays_provinces
from storefront.catalog.labels import GROUP_LABELS, PRODUCER_KIND_LABELS
from storefront.query_args import parse_int
from storefront.catalog.models import PRODUCT_GROUPS, Area, Producer, Product, slugify
from storefront.extensions import db
from storefront.i18n import file_product_name
from storefront.outlets.directory import outlet_places
from storefront.outlets.models import Outlet
from storefront.plans.indicators import BY_CODE, Scope, population

PER_PAGE = 50


@dataclass(frozen=True)
class MemberFilters:
    counted: bool | None = None  # only those counted, only those not, or all
    q: str = ""
    district: str = ""  # a district's code
    group: str | None = None  # products only

    @classmethod
    def parse(cls, args) -> MemberFilters:
        counted = {"yes": True, "no": False}.get(args.get("counted", ""))
        group = args.get("group") if args.get("group") in PRODUCT_GROUPS else None
        return cls(counted=counted, q=(args.get("q") or "").strip()[:100], district=(args.get("district") or "")[:20],
                   group=group)

    def args(self) -> dict:
        found = {"counted": {True: "yes", False: "no"}.get(self.counted), "q": self.q, "district": self.district,
                 "group": self.group}
        return {name: value for name, value in found.items() if value}


def members_select(code: str, scope: Scope, filters: MemberFilters):
    """(id, code, name, district, detail, counted, …) for the indicator's population, in name order."""
    rows = population(code, scope)
    kind = BY_CODE[code].members
    district = aliased(Area)
    if kind == "products":
        statement = (
            select(Product.id, Product.code, Product.name_vi.label("name"), Product.name_en, district.name.label("district"),
                   district.code.label("district_code"), Product.group.label("detail"),
                   Product.certified_stars.label("stars"), rows.c.counted)
            .join(rows, rows.c.id == Product.id).outerjoin(district, district.id == Product.district_id)
        )
        text = [Product.code, Product.slug]
        if filters.group:
            statement = statement.where(Product.group == filters.group)
    elif kind == "producers":
        any_product = (select(func.min(Product.district_id)).where(Product.producer_id == Producer.id)
                       .scalar_subquery())
        statement = (
            select(Producer.id, Producer.registration_no.label("code"), Producer.name, district.name.label("district"),
                   district.code.label("district_code"), Producer.kind.label("detail"), Producer.phone,
                   Producer.email, rows.c.counted)
            .join(rows, rows.c.id == Producer.id).outerjoin(district, district.id == any_product)
        )
        text = [Producer.registration_no, Producer.name_folded]
    elif kind == "districts":
        province = aliased(Area)
        statement = (
            select(district.id, district.code, district.name, district.name.label("district"),
                   district.code.label("district_code"), province_name(province, scope).label("detail"),
                   rows.c.counted)
            .join(rows, rows.c.id == district.id).join(province, province.id == district.parent_id)
        )
        text = [district.code, district.name]
    else:
        places = outlet_places()
        statement = (
            select(Outlet.id, Outlet.code, Outlet.name, district.name.label("district"),
                   district.code.label("district_code"), Outlet.kind.label("detail"), rows.c.counted)
            .join(rows, rows.c.id == Outlet.id).join(places, places.c.outlet_id == Outlet.id)
            .outerjoin(district, district.id == places.c.district_id)
        )
        text = [Outlet.code, Outlet.search_text]
    if filters.counted is not None:
        statement = statement.where(rows.c.counted if filters.counted else ~rows.c.counted)
    if filters.q:
        pattern = f"%{slugify(filters.q).replace('-', '%')}%"
        statement = statement.where(or_(*(func.lower(column).like(pattern) for column in text),
                                        func.lower(text[0]).like(f"%{filters.q.lower()}%")))
    if filters.district:
        statement = statement.where(district.code == filters.district)
    return statement.order_by(statement.selected_columns.name, statement.selected_columns.id)


def province_name(province, scope: Scope):
    """The province's name, or counted by today's areas the name of the one that has it today."""
    if not scope.todays_areas:
        return province.name
    renamed = {area_id: area.name for area_id, area in todays_provinces().items() if area.id != area_id}
    return case(renamed, value=province.id, else_=province.name) if renamed else province.name


@dataclass
class MembersPage:
    rows: list
    total: int
    page: int
    pages: int


def members_page(code: str, scope: Scope, filters: MemberFilters, page_arg: str | None) -> MembersPage:
    statement = members_select(code, scope, filters)
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    pages = max(1, ceil(total / PER_PAGE))
    page = min(max(parse_int(page_arg) or 1, 1), pages)
    rows = db.session.execute(statement.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return MembersPage(rows=rows, total=total, page=page, pages=pages)


def detail_label(kind: str, detail: str | None) -> str:
    labels = {"products": GROUP_LABELS, "producers": PRODUCER_KIND_LABELS}.get(kind, {})
    return str(labels.get(detail, detail or ""))


def member_sheet_title(code: str) -> str:
    """The file's sheet name: what the rows are, in the visitor's language (a label would not fit 31 characters)."""
    return {"products": _("Products"), "producers": _("Producers"), "districts": _("Districts"),
            "outlets": _("Sales points")}[BY_CODE[code].members]


def member_table(code: str, scope: Scope, filters: MemberFilters):
    """Every row for a file: a header, then one line each (as the rows come from the database)."""
    kind = BY_CODE[code].members
    # "Name" alone is translated as a person's name; here it names products, producers, districts or outlets.
    header = [_("Code"), pgettext("member file", "Name"), _("District"),
              _("Group") if kind == "products" else _("Kind"), _("Counted")]
    if kind == "producers":
        header += [_("Phone"), _("Email")]
    yield header
    for row in db.session.execute(members_select(code, scope, filters).execution_options(yield_per=1000)):
        name = file_product_name(row.name, row.name_en) if kind == "products" else row.name
        line = [row.code, name, row.district or "", detail_label(kind, row.detail), _("yes") if row.counted else _("no")]
        if kind == "producers":
            line += [row.phone, row.email]
        yield line
