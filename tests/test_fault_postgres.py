"""A worker killed mid-load loses only its own requests: gunicorn on PostgreSQL, buyers checking
out at once, one worker SIGKILLed; afterwards the stock ledger, the sale lines and the
reservations all agree.

Runs only with TEST_DATABASE_URL pointing at PostgreSQL, like the other concurrency tests.
"""
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.checkout import SHOPPING_ERRORS, Buyer, Product as ShelfProduct
from bench.common import free_port, wait_for_port
from storefront.extensions import db
from storefront.orders.models import HOLDS_RESERVATION, Order, OrderLine
from storefront.orders.services import mark_collected, mark_ready
from storefront.outlets.models import StockLevel
from storefront.outlets.services import check_stock
from storefront.sales.models import SaleLine
from tests.conftest import require
from tests.factories import make_outlet, make_product, make_user, stock

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
BUYERS = 12
LOAD_SECONDS = 8


@pytest.fixture
def server(app, tmp_path):
    """The shop under gunicorn with two workers, on the test's PostgreSQL database."""
    require(db.engine.dialect.name == "postgresql", "TEST_DATABASE_URL does not point at PostgreSQL")
    port = free_port()
    env = dict(os.environ, DATABASE_URL=os.environ["TEST_DATABASE_URL"], INSTANCE_DIR=str(tmp_path),
               SEARCH_INDEX_DIR=app.config["SEARCH_INDEX_DIR"], SECRET_KEY="fault-test", APP_ENV="development")
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "storefront:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def workers_of(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_a_killed_worker_leaves_stock_orders_and_sales_consistent(app, server):
    process, base = server
    outlet = make_outlet("QN-FT-01")
    products = [make_product(f"Mật ong rừng {n}", code=f"FT-{n}") for n in range(3)]
    for product in products:
        stock(outlet, product, 10_000)
    manager = make_user("manager", outlets=[outlet])
    shelf = [ShelfProduct(product.id, product.slug) for product in products]
    outlet_id, manager_id = outlet.id, manager.id
    db.session.remove()

    placed: list[str] = []
    failures: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def shop(seed: int) -> None:
        buyer = Buyer(base)
        turn = seed
        while not stop.is_set():
            turn += 1
            try:
                buyer.fill_cart(shelf[turn % len(shelf)])
                number = buyer.place(buyer.open_checkout(outlet_id))
            except SHOPPING_ERRORS as error:
                with lock:  # the killed worker's own requests fail; the buyer tries again
                    failures.append(f"{type(error).__name__}: {error}")
                buyer = Buyer(base)
                continue
            if number:
                with lock:
                    placed.append(number)

    def collect() -> None:
        """The manager hands over orders while the buyers go on: those become sales."""
        from storefront.accounts.models import User

        collected = 0
        while not stop.is_set() or collected == 0:
            with lock:
                numbers = placed[collected:collected + 3]
            if not numbers:
                time.sleep(0.2)
                continue
            with app.app_context():
                user = db.session.get(User, manager_id)
                for number in numbers:
                    order = db.session.scalar(select(Order).where(Order.number == number))
                    mark_ready(order=order, user=user)
                    mark_collected(order=order, user=user, payment_kind="cash")
                db.session.remove()
            collected += len(numbers)

    threads = [threading.Thread(target=shop, args=(n,)) for n in range(BUYERS)] + [threading.Thread(target=collect)]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_SECONDS / 2)
    killed = workers_of(process.pid)[0]
    os.kill(killed, signal.SIGKILL)
    time.sleep(LOAD_SECONDS / 2)
    stop.set()
    for thread in threads:
        thread.join(60)

    assert killed not in workers_of(process.pid), "the worker was not killed"

    assert placed, f"no order was placed; failures: {failures[:5]}"
    db.session.expire_all()
    assert check_stock() == []
    sold = select(SaleLine.order_id).where(SaleLine.order_id == Order.id).exists()
    unsold = db.session.scalar(
        select(func.count(Order.id)).where(Order.status.in_(("paid", "collected")), ~sold)
    )
    assert unsold == 0, "a paid or collected order has no sale lines"
    assert db.session.scalar(select(func.count(Order.id)).where(Order.status == "collected")) > 0
    held = dict(db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.qty)).join(Order, Order.id == OrderLine.order_id)
        .where(Order.outlet_id == outlet_id, Order.status.in_(HOLDS_RESERVATION)).group_by(OrderLine.product_id)
    ).all())
    reserved = dict(db.session.execute(
        select(StockLevel.product_id, StockLevel.reserved).where(StockLevel.outlet_id == outlet_id)
    ).all())
    assert reserved == {product.id: held.get(product.id, 0) for product in shelf}
