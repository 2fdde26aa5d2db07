"""Racing for the last units on PostgreSQL: 50 sessions on their own connections, 10 units.

Runs only with TEST_DATABASE_URL pointing at PostgreSQL (SQLite serialises writers, so it
proves nothing there), e.g. TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test.
"""
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from storefront.accounts.models import User
from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.outlets.models import Outlet, StockLevel
from storefront.outlets.services import OutOfStock, check_stock, move_stock
from storefront.sales.models import SaleLine
from storefront.sales.services import SaleRequestLine, record_sale
from storefront.transactions import transaction
from tests.conftest import require
from tests.factories import make_outlet, make_product, make_user, stock

pytestmark = pytest.mark.postgres

UNITS = 10
BUYERS = 50

Shelf = tuple[int, int, int]  # outlet, product and manager ids, for other sessions


@pytest.fixture
def shelf(app) -> Shelf:
    """An outlet with exactly 10 units of one product, and its manager."""
    require(db.engine.dialect.name == "postgresql", "TEST_DATABASE_URL does not point at PostgreSQL")
    outlet, product = make_outlet("QN-TK-01"), make_product("Mật ong Trà My")
    stock(outlet, product, UNITS)
    return outlet.id, product.id, make_user("manager", outlets=[outlet]).id


def race(app: Flask, shelf: Shelf, attempt: Callable[[Outlet, Product, User], None]) -> Counter:
    """Every buyer waits at the barrier, then tries once in its own app context, hence its own
    session and connection; returns how many succeeded and how many were refused."""
    outlet_id, product_id, user_id = shelf
    barrier = threading.Barrier(BUYERS)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def buyer() -> None:
        with app.app_context():
            barrier.wait()
            outlet, product = db.session.get(Outlet, outlet_id), db.session.get(Product, product_id)
            try:
                attempt(outlet, product, db.session.get(User, user_id))
                outcome = "sold"
            except OutOfStock:
                outcome = "refused"
            except Exception as error:  # anything else is a bug: count it, so the test names it
                outcome = f"{type(error).__name__}: {error}"
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=buyer) for _ in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a buyer is stuck"
    return outcomes


def shelf_level(outlet_id: int, product_id: int) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.execute(
        select(StockLevel.on_hand, StockLevel.reserved).where(
            StockLevel.outlet_id == outlet_id, StockLevel.product_id == product_id
        )
    ).one()
    return row.on_hand, row.reserved


def test_fifty_checkouts_reserving_ten_units_reserve_exactly_ten(app, shelf):
    def reserve_one(outlet: Outlet, product: Product, user: User) -> None:
        with transaction():
            move_stock(outlet=outlet, product=product, kind="reserve", reserved_change=1)

    outcomes = race(app, shelf, reserve_one)

    assert outcomes == {"sold": UNITS, "refused": BUYERS - UNITS}
    assert shelf_level(shelf[0], shelf[1]) == (UNITS, UNITS)
    assert check_stock() == []


def test_fifty_tills_selling_ten_units_sell_exactly_ten(app, shelf):
    def sell_one(outlet: Outlet, product: Product, user: User) -> None:
        record_sale(outlet=outlet, lines=[SaleRequestLine(product, 1)], payment_kind="card", user=user)

    outcomes = race(app, shelf, sell_one)

    assert outcomes == {"sold": UNITS, "refused": BUYERS - UNITS}
    assert shelf_level(shelf[0], shelf[1]) == (0, 0)
    assert db.session.scalar(select(db.func.sum(SaleLine.qty))) == UNITS
    assert check_stock() == []
