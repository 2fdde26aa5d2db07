"""Small builders for a hand-made world; each returns committed rows."""
from datetime import date, timedelta
from itertools import count

from storefront.catalog.models import Area, Producer, Product
from storefront.catalog.services import create_product, create_trace_lot, record_evaluation
from storefront.extensions import db

_serial = count(1)

SCORES = {5: 92, 4: 80, 3: 60, 2: 40, 1: 20}


def make_area(name: str, level: str, parent: Area | None = None, code: str | None = None) -> Area:
    area = Area(code=code or f"T{next(_serial)}", name=name, level=level, parent=parent)
    db.session.add(area)
    db.session.commit()
    return area


def make_place(province="Quảng Nam", district="Tiên Phước", commune="Tiên Cảnh") -> Area:
    """A commune with its district and province, reusing ones that exist."""
    def get_or_make(name, level, parent):
        found = db.session.scalar(db.select(Area).where(Area.name == name, Area.level == level))
        return found or make_area(name, level, parent)

    p = get_or_make(province, "province", None)
    d = get_or_make(district, "district", p)
    return get_or_make(commune, "commune", d)


def make_producer(area: Area | None = None, name: str = "HTX Nông nghiệp Tiên Cảnh", **fields) -> Producer:
    producer = Producer(
        name=name,
        kind=fields.pop("kind", "cooperative"),
        registration_no=f"REG-{next(_serial)}",
        area=area or make_place(),
        **fields,
    )
    db.session.add(producer)
    db.session.commit()
    return producer


def make_product(
    name: str = "Nước mắm Cửa Khe",
    *,
    stars: int | None = 4,
    issued_days_ago: int = 30,
    group: str = "food",
    price: int = 150_000,
    unit_cost: int = 90_000,
    producer: Producer | None = None,
    **fields,
) -> Product:
    """A product, certified at `stars` (None: registered, never evaluated)."""
    n = next(_serial)
    product = create_product(
        code=fields.pop("code", f"P{n:05d}"),
        name_vi=name,
        group=group,
        producer=producer or make_producer(),
        unit=fields.pop("unit", "chai 500 ml"),
        price=price,
        unit_cost=unit_cost,
        **fields,
    )
    if stars is not None:
        record_evaluation(
            product=product,
            score=SCORES[stars],
            council_level="province",
            issued_on=date.today() - timedelta(days=issued_days_ago),
            certificate_no=f"CN-{n}" if stars >= 3 else None,
            decision_no=f"{n}/QĐ-UBND",
        )
    return product


def make_lot(product: Product, lot_code: str = "QN-TEST-01", **fields):
    return create_trace_lot(
        product=product,
        lot_code=lot_code,
        produced_on=fields.pop("produced_on", date.today() - timedelta(days=20)),
        **fields,
    )


# Sales points and their stock (appended after the catalog builders above).
from storefront.outlets.models import Outlet  # noqa: E402
from storefront.outlets.services import ReceiptLine, receive_stock  # noqa: E402


def make_outlet(code: str = "QN-TP-01", *, area: Area | None = None, name: str | None = None,
                kind: str = "district_point", **fields) -> Outlet:
    """An active sales point, by default in make_place()'s commune."""
    outlet = Outlet(
        code=code,
        name=name or f"Điểm bán OCOP {code}",
        kind=kind,
        area=area or make_place(),
        address=fields.pop("address", f"1 Đường Chính, {code}"),
        **fields,
    )
    db.session.add(outlet)
    db.session.commit()
    return outlet


def stock(outlet: Outlet, product: Product, qty: int, user=None) -> None:
    """Receive `qty` units of `product` at `outlet` through the ledger."""
    receive_stock(outlet=outlet, lines=[ReceiptLine(product=product, qty=qty)], user=user)


# Users without the slow password hash (appended after the sales-point builders above).
from storefront.accounts.models import User  # noqa: E402


def make_user(role: str = "manager", *, email: str | None = None, outlets: list[Outlet] | None = None) -> User:
    """A user row for services that only need someone to record; it cannot log in
    (use create_user or login_as for that: hashing a password takes a noticeable while)."""
    user = User(email=email or f"{role}{next(_serial)}@example.vn", role=role, password_hash="!")
    user.outlets.extend(outlets or [])
    db.session.add(user)
    db.session.commit()
    return user


# Online orders (appended after the user builders above).
from storefront.orders.services import CartLine, Contact, place_order  # noqa: E402


def make_order(outlet: Outlet, lines: list[tuple[Product, int]], *, user: User | None = None,
               payment_method: str = "pay_at_pickup", fulfilment: str = "pickup",
               delivery_address: str | None = None, email: str = "an@example.vn",
               language: str = "en"):
    """An order placed through the service, holding its stock at `outlet`.

    Its messages are in English unless asked, so tests can read them."""
    return place_order(
        lines=[CartLine(product=product, qty=qty) for product, qty in lines],
        contact=Contact(name="Nguyễn Văn An", phone="0905123456", email=email),
        fulfilment=fulfilment, outlet=outlet, payment_method=payment_method, user=user,
        delivery_address=delivery_address, language=language,
    )


# Plans (appended after the order builders above).
from decimal import Decimal  # noqa: E402

from storefront.plans.models import Plan, PlanIndicator  # noqa: E402


def make_plan(area: Area | None, first_year: int, last_year: int | None = None, **targets) -> Plan:
    """A plan with targets given as indicator=value or indicator=(low, high)."""
    plan = Plan(name=f"Kế hoạch {area.name if area else 'toàn quốc'} {first_year}", area=area,
                first_year=first_year, last_year=last_year or first_year)
    for code, value in targets.items():
        low, high = value if isinstance(value, tuple) else (value, None)
        plan.targets.append(PlanIndicator(indicator=code, low=Decimal(str(low)),
                                          high=None if high is None else Decimal(str(high))))
    db.session.add(plan)
    db.session.commit()
    return plan


# The shop most cart, checkout and till tests sell from (appended after the plan builders above).


class Shop:
    """Sales points A (Tiên Phước) and B (Hội An); Cửa Khe fish sauce (NM-01, 150.000 ₫) and
    Cải Vân corn liquor (RN-01, 200.000 ₫). `stocked` gives the units received, keyed by
    (outlet, product) attribute names, e.g. {("a", "sauce"): 10}; `a` and `b` are more fields
    for the outlets. A test file's world adds what else it needs."""

    def __init__(self, stocked: dict[tuple[str, str], int], *, a: dict | None = None, b: dict | None = None):
        self.a = make_outlet("QN-A", name="Điểm OCOP Tiên Phước", **(a or {}))
        self.b = make_outlet("QN-B", name="Điểm OCOP Hội An", **(b or {}))
        self.sauce = make_product("Nước mắm Cửa Khe", code="NM-01", price=150_000, unit_cost=90_000)
        self.liquor = make_product("Rượu Ngô Cải Vân", code="RN-01", price=200_000, unit_cost=120_000)
        for (outlet, product), qty in stocked.items():
            stock(getattr(self, outlet), getattr(self, product), qty)
