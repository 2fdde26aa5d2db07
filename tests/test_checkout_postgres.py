"""Checkouts racing for the last units on PostgreSQL: 50 buyers on their own connections.

Runs only with TEST_DATABASE_URL pointing at PostgreSQL (SQLite serialises writers, so it
proves nothing there), e.g. TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test.
The buyers, the barrier and the tally are test_stock_postgres's (`race`).
"""
import itertools
import threading

import pytest
from sqlalchemy import func, select, update

from storefront.accounts.models import User
from storefront.catalog.models import Product
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.orders.models import Order, OrderLine
from storefront.orders.services import (
    CartLine,
    Contact,
    OrderError,
    cancel_order,
    expire_if_due,
    find_order,
    place_order,
)
from storefront.outlets.commands import stock_cli
from storefront.outlets.models import Outlet, StockLevel
from storefront.outlets.services import check_stock
from tests.conftest import require
from tests.factories import make_outlet, make_product, make_user, stock
from tests.test_stock_postgres import BUYERS, UNITS, race, shelf, shelf_level  # noqa: F401 (shelf: fixture)

pytestmark = pytest.mark.postgres

BUYER = Contact(name="Nguyễn Thị Lan", phone="0905123456", email="lan@example.vn")


def buy(outlet: Outlet, *products: Product) -> Order:
    return place_order(
        lines=[CartLine(product, 1) for product in products], contact=BUYER, fulfilment="pickup",
        outlet=outlet, payment_method="pay_at_pickup",
    )


class AvailableWatch:
    """Reads the shelf's available quantity over and over on its own connection while the
    buyers race, so "never below 0" is observed, not only inferred from the end state."""

    def __init__(self, app, outlet_id: int, product_id: int):
        self.app, self.outlet_id, self.product_id = app, outlet_id, product_id
        self.lowest: int | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watch)

    def watch(self) -> None:
        with self.app.app_context():
            while not self.stop.is_set():
                available = db.session.scalar(
                    select(StockLevel.on_hand - StockLevel.reserved).where(
                        StockLevel.outlet_id == self.outlet_id, StockLevel.product_id == self.product_id
                    )
                )
                self.lowest = available if self.lowest is None else min(self.lowest, available)
                db.session.rollback()  # a fresh snapshot for the next read

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=10)


def orders_holding(product_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(Order.id))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(OrderLine.product_id == product_id, Order.status == "reserved")
    )


def test_fifty_checkouts_for_the_last_ten_units_place_exactly_ten_orders(app, shelf):
    outlet_id, product_id, _manager_id = shelf

    with AvailableWatch(app, outlet_id, product_id) as watch:
        outcomes = race(app, shelf, lambda outlet, product, user: buy(outlet, product))

    assert outcomes == {"sold": UNITS, "refused": BUYERS - UNITS}
    assert watch.lowest is not None and watch.lowest >= 0
    assert orders_holding(product_id) == UNITS
    assert db.session.scalar(select(func.count(Order.id))) == UNITS  # a refused one leaves nothing
    assert shelf_level(outlet_id, product_id) == (UNITS, UNITS)  # on hand, reserved
    assert check_stock() == []
    assert app.test_cli_runner().invoke(stock_cli, ["check"]).exit_code == 0


def test_two_line_carts_in_opposite_orders_never_deadlock(app):
    """Half the carts list the products one way round, half the other: the lines are reserved
    in product order whatever the cart's, so no two checkouts wait on each other in a circle."""
    require(db.engine.dialect.name == "postgresql", "TEST_DATABASE_URL does not point at PostgreSQL")
    outlet = make_outlet("QN-TK-02")
    honey, tea = make_product("Mật ong Trà My", price=180_000), make_product("Trà sâm dây", price=85_000)
    units = BUYERS // 2
    stock(outlet, honey, units)
    stock(outlet, tea, units)
    shelf_ids = (outlet.id, honey.id, make_user("manager", outlets=[outlet]).id)
    tea_id, turn = tea.id, itertools.count()

    def buy_both(outlet: Outlet, honey: Product, user: User) -> None:
        other = db.session.get(Product, tea_id)
        buy(outlet, *((honey, other) if next(turn) % 2 else (other, honey)))

    outcomes = race(app, shelf_ids, buy_both)

    assert outcomes == {"sold": units, "refused": BUYERS - units}  # no deadlock, no other error
    assert shelf_level(outlet.id, honey.id) == (units, units)
    assert shelf_level(outlet.id, tea.id) == (units, units)
    totals = db.session.execute(select(func.count(Order.id), func.sum(Order.total))).one()
    assert totals == (units, units * (180_000 + 85_000))
    assert check_stock() == []


@pytest.mark.parametrize("first, second", [(cancel_order, expire_if_due), (cancel_order, cancel_order)])
def test_a_cancel_racing_another_release_frees_the_stock_once(app, shelf, first, second):
    """Two requests releasing one order at the same moment (the manager cancels while the
    expiry sweep runs, or a double click): the order's row lock lets one of them do it."""
    outlet_id, product_id, manager_id = shelf
    outlet, product = db.session.get(Outlet, outlet_id), db.session.get(Product, product_id)
    # Another order keeps 2 units reserved: a second release would eat into them.
    place_order(lines=[CartLine(product, 2)], contact=BUYER, fulfilment="pickup", outlet=outlet,
                payment_method="pay_at_pickup")
    number = buy(outlet, product).number
    db.session.execute(update(Order).where(Order.number == number).values(reserved_until=utcnow()))
    db.session.commit()
    barrier = threading.Barrier(2)
    errors = []

    def release(action) -> None:
        with app.app_context():
            order = find_order(number)
            barrier.wait()
            try:
                if action is cancel_order:
                    action(order=order, user=db.session.get(User, manager_id))
                else:
                    action(order)
            except Exception as error:  # the loser may be told it is too late; nothing else
                errors.append(error)

    threads = [threading.Thread(target=release, args=(action,)) for action in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [type(error) for error in errors] in ([], [OrderError])  # "can no longer be cancelled"
    assert shelf_level(outlet_id, product_id) == (UNITS, 2)
    assert check_stock() == []
