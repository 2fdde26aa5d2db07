"""Checkout throughput and the oversell check, on PostgreSQL under gunicorn.

    .venv/bin/python bench/checkout.py [--database-url postgresql://postgres@127.0.0.1/ocop_bench]
                                       [--seconds 20] [--buyers 8] [--max-orders 2000]
                                       [--rush-buyers 100] [--last-units 20]

A scratch database (dropped and created again with createdb, dropped at the end) gets
`flask db upgrade` and `flask seed demo`. Then, beside the minimal Flask page's req/s:
(a) orders per second placing pay-at-pickup orders through the real pages, CSRF on, under
gunicorn (2 workers): each buyer opens a product, adds it to its cart, opens the checkout and
places the order, reading the CSRF token and the cart's fingerprint from the forms as a browser
would; (b) the oversell check: buyers with their carts ready all place their order at once for
the last few units of one product at one outlet (gunicorn with more workers, so the checkouts
really run side by side): exactly that many orders are placed and the ledger stays clean.
Loopback only; bounded in count and in time. Figures go to stdout and bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    flask, gunicorn, in_process_app, machine, percentiles, postgres, postgres_version, record,
    require_loopback, requests_per_second, scratch_env,
)

OUTLET = "QN-TT"  # the provincial centre: pickup on, stock of every district
THROUGHPUT_PRODUCTS = 10
PLENTY = 100_000
RUSH_WORKERS = 8
ORDER_URL = re.compile(r"/orders/([A-Z0-9-]+)\?key=")
BUYER = {"name": "Nguyễn Thị Lan", "phone": "0905123456", "email": "lan@example.vn"}


class FormFields(HTMLParser):
    """The name → value of each <input> on a page: the CSRF token and hidden fields."""

    def __init__(self, html: str):
        super().__init__()
        self.values: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag != "input" or "name" not in attrs:
            return
        if attrs.get("type") == "radio":
            self.radios.setdefault(attrs["name"], []).append(attrs.get("value", ""))
        else:
            self.values[attrs["name"]] = attrs.get("value") or ""


class Buyer:
    """One shopper's browser: its own cookie jar, hence its own cart and session."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        self.requests = 0  # redirects followed count too: the browser makes them

    def send(self, method: str, path: str, data: dict | None = None) -> requests.Response:
        response = self.http.request(method, self.base + path, data=data, timeout=60)
        self.requests += 1 + len(response.history)
        response.raise_for_status()
        return response

    def get(self, path: str) -> requests.Response:
        return self.send("GET", path)

    def fill_cart(self, product: Product) -> None:
        token = FormFields(self.get(f"/products/{product.slug}").text).values["csrf_token"]
        self.send("POST", f"/cart/add/{product.id}", {"csrf_token": token, "qty": "1"})

    def open_checkout(self, outlet_id: int) -> dict[str, str]:
        form = FormFields(self.get("/checkout").text)
        if str(outlet_id) not in form.radios.get("outlet", []):
            raise RuntimeError("the checkout does not offer the bench outlet")
        return {
            "csrf_token": form.values["csrf_token"], "cart_fingerprint": form.values["cart_fingerprint"],
            **BUYER, "fulfilment": "pickup", "outlet": str(outlet_id), "payment": "pay_at_pickup",
            "delivery_address": "",
        }

    def place(self, checkout: dict[str, str]) -> str | None:
        """The order's number, or None when the checkout refused (the page comes back)."""
        found = ORDER_URL.search(self.send("POST", "/checkout", checkout).url)
        return found.group(1) if found else None


@dataclass
class Product:
    id: int
    slug: str


@dataclass
class Shelf:
    outlet_id: int
    plentiful: list[Product]
    rush: Product  # exactly `last_units` available at the outlet


@dataclass
class Tally:
    placed: int = 0
    refused: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, number: str | None) -> None:
        with self.lock:
            if number is None:
                self.refused += 1
            else:
                self.placed += 1

    def fail(self, error: Exception) -> None:
        with self.lock:
            self.errors.append(f"{type(error).__name__}: {error}")


# --- The scratch database ---------------------------------------------------------------------


def stock_the_shelf(app, last_units: int) -> Shelf:
    """Plenty of a few products at the outlet, so (a) measures checkouts, not sell-outs,
    and exactly `last_units` of another for (b)."""
    from storefront.catalog.models import Product as ProductRow
    from storefront.extensions import db
    from storefront.outlets.models import Outlet
    from storefront.outlets.services import ReceiptLine, adjust_stock, find_level, receive_stock

    with app.app_context():
        outlet = db.session.scalar(db.select(Outlet).where(Outlet.code == OUTLET))
        candidates = db.session.scalars(db.select(ProductRow).where(ProductRow.active.is_(True)).order_by(ProductRow.id))
        sellable = [product for product in candidates if product.is_sellable][: THROUGHPUT_PRODUCTS + 1]
        plentiful, rush = sellable[:THROUGHPUT_PRODUCTS], sellable[THROUGHPUT_PRODUCTS]
        receive_stock(outlet=outlet, lines=[ReceiptLine(product, PLENTY) for product in plentiful],
                      user=None, reference="BENCH")
        level = find_level(outlet, rush)
        change = last_units - (level.available if level else 0)
        if change:
            adjust_stock(outlet=outlet, product=rush, change=change, reason="bench: the last units", user=None)
        shelf = Shelf(outlet.id, [Product(p.id, p.slug) for p in plentiful], Product(rush.id, rush.slug))
        db.session.remove()
    return shelf


def rush_outcome(app, shelf: Shelf) -> tuple[int, int, list]:
    """Orders holding the rush product at the outlet, its available quantity, and check_stock()."""
    from storefront.extensions import db
    from storefront.orders.models import Order, OrderLine
    from storefront.outlets.models import StockLevel
    from storefront.outlets.services import check_stock

    with app.app_context():
        orders = db.session.scalar(
            db.select(db.func.count(Order.id)).join(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.outlet_id == shelf.outlet_id, OrderLine.product_id == shelf.rush.id)
        )
        available = db.session.scalar(
            db.select(StockLevel.on_hand - StockLevel.reserved)
            .where(StockLevel.outlet_id == shelf.outlet_id, StockLevel.product_id == shelf.rush.id)
        )
        differences = check_stock()
        db.session.remove()
        db.engine.dispose()
    return orders, available, differences


# --- (a) Throughput ---------------------------------------------------------------------------


def warm_up(base: str, shelf: Shelf, purchases: int = 6) -> None:
    """A few untimed purchases first: each worker's first requests load templates and
    open connections, which is start-up, not checkout."""
    buyer = Buyer(base)
    for product in shelf.plentiful[:purchases]:
        buyer.fill_cart(product)
        buyer.place(buyer.open_checkout(shelf.outlet_id))


def checkout_throughput(base: str, shelf: Shelf, buyers: int, seconds: int, max_orders: int) -> tuple[Tally, float]:
    """Buyers each go product page → add to cart → checkout → place order, again and again,
    until the time or the order count runs out; returns the tally and the elapsed seconds."""
    tally, started = Tally(), [0]
    deadline = time.monotonic() + seconds

    def shop(seed: int) -> None:
        buyer, rng = Buyer(base), random.Random(seed)
        while time.monotonic() < deadline:
            with tally.lock:
                if started[0] >= max_orders:
                    return
                started[0] += 1
            begun = time.perf_counter()
            try:
                buyer.fill_cart(rng.choice(shelf.plentiful))
                number = buyer.place(buyer.open_checkout(shelf.outlet_id))
            except (requests.RequestException, RuntimeError, KeyError) as error:
                tally.fail(error)
                return
            tally.count(number)
            with tally.lock:
                tally.seconds.append(time.perf_counter() - begun)
                tally.requests += buyer.requests
            buyer.requests = 0

    began = time.perf_counter()
    run_all([threading.Thread(target=shop, args=(seed,)) for seed in range(buyers)], timeout=seconds + 60)
    return tally, time.perf_counter() - began


# --- (b) Oversell -----------------------------------------------------------------------------


def rush_for_the_last_units(base: str, shelf: Shelf, buyers: int) -> Tally:
    """Every buyer gets a cart and the checkout page first, then all place their order at once."""
    tally = Tally()
    barrier = threading.Barrier(buyers)

    def buy() -> None:
        buyer = Buyer(base)
        try:
            buyer.fill_cart(shelf.rush)
            checkout = buyer.open_checkout(shelf.outlet_id)
            barrier.wait(timeout=120)
            tally.count(buyer.place(checkout))
        except (requests.RequestException, RuntimeError, KeyError, threading.BrokenBarrierError) as error:
            barrier.abort()  # the others stop waiting for this one
            tally.fail(error)

    run_all([threading.Thread(target=buy) for _ in range(buyers)], timeout=180)
    return tally


def run_all(threads: list[threading.Thread], timeout: float) -> None:
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("buyers still running after the time limit")


# --- Report -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/ocop_bench")
    parser.add_argument("--seconds", type=int, default=20, help="how long to place orders in (a)")
    parser.add_argument("--buyers", type=int, default=8, help="concurrent shoppers in (a)")
    parser.add_argument("--max-orders", type=int, default=2000, help="stop (a) after this many orders")
    parser.add_argument("--rush-buyers", type=int, default=100)
    parser.add_argument("--last-units", type=int, default=20)
    args = parser.parse_args()
    require_loopback(args.database_url)

    stamp = time.strftime("%Y-%m-%d %H:%M")
    lines = [f"machine: {machine()} · PostgreSQL {postgres_version(args.database_url)}"]
    print(f"# checkout bench · {stamp}\n{lines[0]}")
    minimal_env = scratch_env("minimal")
    with gunicorn(minimal_env, "bench.minimal_app:app") as url:
        minimal_rps = requests_per_second(url + "/", 10)
    lines.append(f"minimal Flask page (gunicorn, 2 workers): {minimal_rps:,.0f} req/s")
    print(lines[-1])

    postgres("dropdb", args.database_url)
    postgres("createdb", args.database_url)
    try:
        env = scratch_env("checkout", args.database_url)
        migrate_s = flask(env, "db", "upgrade")
        seed_s = flask(env, "seed", "demo")
        print(f"database ready (migrate {migrate_s:.0f} s, seed demo {seed_s:.0f} s)")
        app = in_process_app(env, args.database_url)
        shelf = stock_the_shelf(app, args.last_units)

        with gunicorn(env, "storefront:create_app()", workers=2) as url:
            warm_up(url, shelf)
            tally, elapsed = checkout_throughput(url, shelf, args.buyers, args.seconds, args.max_orders)
        if tally.errors:
            raise SystemExit(f"checkout errors: {tally.errors[:3]}")
        med, p95 = percentiles([s * 1000 for s in tally.seconds])
        rate, request_rate = tally.placed / elapsed, tally.requests / elapsed
        lines.append(
            f"checkout, pay at pickup (gunicorn, 2 workers, {args.buyers} buyers; product page, add to cart, "
            f"cart, checkout, place order, order page): {rate:,.1f} orders/s · {request_rate:,.0f} req/s "
            f"= {request_rate / minimal_rps:.3f} × minimal page · {tally.placed} orders in {elapsed:.0f} s, "
            f"{tally.refused} refused · one whole purchase median {med:.0f} ms, p95 {p95:.0f} ms"
        )
        print(lines[-1])

        with gunicorn(env, "storefront:create_app()", workers=RUSH_WORKERS) as url:
            rush = rush_for_the_last_units(url, shelf, args.rush_buyers)
        orders, available, differences = rush_outcome(app, shelf)
        verdict = "OK" if (orders == rush.placed == args.last_units and available == 0
                           and not differences and not rush.errors) else "FAILED"
        lines.append(
            f"oversell check (gunicorn, {RUSH_WORKERS} workers): {args.rush_buyers} buyers at once for the last "
            f"{args.last_units} units → {rush.placed} orders placed, {rush.refused} refused, {len(rush.errors)} errors; "
            f"{orders} orders hold the product, available now {available}, "
            f"stock check {'clean' if not differences else f'{len(differences)} differences'}: {verdict}"
        )
        print(lines[-1])
    finally:
        postgres("dropdb", args.database_url)

    record("Checkout", stamp, lines)
    if verdict != "OK":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
