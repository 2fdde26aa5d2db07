"""Checkout throughput and the oversell check, on PostgreSQL under gunicorn.

    .venv/bin/python bench/checkout.py [--database-url postgresql://postgres@127.0.0.1/ocop_bench]
                                       [--seconds 20] [--buyers 8] [--threads 1] [--max-orders 2000]
                                       [--rush-buyers 1000] [--last-units 20] [--rush-seconds 600]

A scratch database (dropped and created again with createdb, dropped at the end) gets
`flask db upgrade` and `flask seed demo`. Then, beside the minimal Flask page's req/s:
(a) orders per second placing pay-at-pickup orders through the real pages, CSRF on, under
gunicorn (2 workers): each buyer opens a product, adds it to its cart, opens the checkout and
places the order, reading the CSRF token and the cart's fingerprint from the forms as a browser
would. Each buyer is a process of its own, and the CPU time of the buyers, of gunicorn's workers
and of their PostgreSQL backends is reported per purchase, so a run shows whether the server or
the client was the limit; the minimal page is measured just before and just after. (b) the oversell check: buyers with their carts ready all place their order at once for
the last few units of one product at one outlet (gunicorn with more workers, so the checkouts
really run side by side): exactly that many orders are placed and the ledger stays clean.
Loopback only; bounded in count and in time. Figures go to stdout and bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
import multiprocessing
import os
import random
import re
import resource
import sys
import threading
import time
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import brotli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Server, flask, gunicorn, in_process_app, machine, percentiles, postgres, postgres_version, record,
    require_loopback, requests_per_second, scratch_env,
)

OUTLET = "QN-TT"  # the provincial centre: pickup on, stock of every district
THROUGHPUT_PRODUCTS = 10
PLENTY = 100_000
RUSH_WORKERS = 8
RUSH_PREPARING = 32  # buyers filling their carts at once before the rush
ORDER_URL = re.compile(r"/orders/([A-Z0-9-]+)\?key=")
INPUT_TAG = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
MAX_REDIRECTS = 5
# What one attempt of a buyer may fail with: the connection (a worker gone), the shop's answer.
SHOPPING_ERRORS = (OSError, http.client.HTTPException, RuntimeError, KeyError)
BUYER = {"name": "Nguyễn Thị Lan", "phone": "0905123456", "email": "lan@example.vn"}


class FormFields:
    """The name → value of each <input> on a page: the CSRF token and hidden fields. Regular
    expressions, not html.parser: the buyers share the machine's two cores with the server, and
    parsing each page token by token cost them more CPU than the requests."""

    def __init__(self, html: str):
        self.values: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}
        for tag in INPUT_TAG.findall(html):
            attrs = dict(ATTRIBUTE.findall(tag))
            if "name" not in attrs:
                continue
            if attrs.get("type") == "radio":
                self.radios.setdefault(attrs["name"], []).append(attrs.get("value", ""))
            else:
                self.values[attrs["name"]] = unescape(attrs.get("value") or "")


class BuyerError(RuntimeError):
    """The shop answered an error where a browser would have shown the shopper one."""


@dataclass
class Page:
    url: str  # the path and query finally answered, after the redirects
    text: str


class Buyer:
    """One shopper's browser: its own cookies, hence its own cart and session. http.client rather
    than requests: the buyers share the machine's two cores with the server, and requests' own
    work (cookie jar, adapters, hooks) cost them about as much CPU as the pages did."""

    def __init__(self, base: str, timeout: float = 60):
        parts = urlsplit(base)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.cookies: dict[str, str] = {}
        self.requests = 0  # redirects followed count too: the browser makes them

    def send(self, method: str, path: str, data: dict | None = None) -> Page:
        body = urlencode(data) if data is not None else None
        for _ in range(MAX_REDIRECTS):
            status, location, text = self.exchange(method, path, body)
            self.requests += 1
            if status in (301, 302, 303):  # as browsers do: the page it points to, with a GET
                target = urlsplit(location)
                method, path, body = "GET", target.path + (f"?{target.query}" if target.query else ""), None
                continue
            if status >= 400:
                raise BuyerError(f"{method} {path}: {status}")
            return Page(path, text)
        raise BuyerError(f"{method} {path}: more than {MAX_REDIRECTS} redirects")

    def exchange(self, method: str, path: str, body: str | None) -> tuple[int, str, str]:
        """One request on a new connection (gunicorn's sync workers close each one, as they do
        for browsers); the cookies it sets are kept."""
        headers = {"Accept-Encoding": "br, gzip", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value.strip('"'):
                self.cookies[name] = value
            else:  # emptied: the browser deletes it
                self.cookies.pop(name, None)
        encoding = response.headers.get("Content-Encoding")
        raw = brotli.decompress(raw) if encoding == "br" else gzip.decompress(raw) if encoding == "gzip" else raw
        return response.status, response.headers.get("Location", ""), raw.decode()

    def get(self, path: str) -> Page:
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


def shop(base: str, shelf: Shelf, seed: int, deadline: float, orders_left, results) -> None:
    """One buyer in a process of its own (the buyers' Python would otherwise share one GIL and
    throttle the bench): product page → add to cart → checkout → place order, again and again,
    until the time or the order budget runs out. Sends back its tally and its own CPU time."""
    buyer, rng, tally = Buyer(base), random.Random(seed), Tally()
    while time.monotonic() < deadline:
        with orders_left.get_lock():
            if orders_left.value <= 0:
                break
            orders_left.value -= 1
        begun = time.perf_counter()
        try:
            buyer.fill_cart(rng.choice(shelf.plentiful))
            number = buyer.place(buyer.open_checkout(shelf.outlet_id))
        except SHOPPING_ERRORS as error:
            tally.fail(error)
            break
        tally.count(number)
        tally.seconds.append(time.perf_counter() - begun)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.put((tally.placed, tally.refused, buyer.requests, tally.errors, tally.seconds,
                 usage.ru_utime + usage.ru_stime))


@dataclass
class Throughput:
    tally: Tally
    elapsed: float
    client_cpu: float  # the buyers' processes
    server_cpu: float  # gunicorn's workers
    database_cpu: float | None  # the PostgreSQL backends serving them (None: not on this machine)


def checkout_throughput(server: Server, database_url: str, shelf: Shelf, buyers: int, seconds: int,
                        max_orders: int) -> Throughput:
    """`buyers` processes shop at once for `seconds`; the CPU time the workers and their
    PostgreSQL backends spent meanwhile is read from /proc before and after."""
    forked = multiprocessing.get_context("fork")
    orders_left, results = forked.Value("i", max_orders), forked.Queue()
    deadline = time.monotonic() + seconds
    processes = [forked.Process(target=shop, args=(server.url, shelf, seed, deadline, orders_left, results))
                 for seed in range(buyers)]
    workers, backends = worker_pids(server.pid), backend_pids(database_url)
    before = cpu_times(workers + backends)
    began = time.perf_counter()
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=seconds + 120) for _ in processes]
    elapsed = time.perf_counter() - began
    after = cpu_times(workers + backend_pids(database_url))
    for process in processes:
        process.join()
    tally = Tally()
    for placed, refused, sent, errors, durations, _cpu in outcomes:
        tally.placed, tally.refused, tally.requests = tally.placed + placed, tally.refused + refused, tally.requests + sent
        tally.errors += errors
        tally.seconds += durations
    spent = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
    database_cpu = sum(spent[pid] for pid in spent if pid not in workers) if after.keys() - set(workers) else None
    return Throughput(tally, elapsed, sum(outcome[-1] for outcome in outcomes),
                      sum(spent.get(pid, 0.0) for pid in workers), database_cpu)


# --- CPU time from /proc ----------------------------------------------------------------------


def cpu_times(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process among `pids`."""
    ticks, times = os.sysconf("SC_CLK_TCK"), {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        times[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return times


def worker_pids(master: int) -> list[int]:
    """Gunicorn's workers: the master's child processes."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue
        if parent == master:
            children.append(int(stat.parent.name))
    return children


def backend_pids(database_url: str) -> list[int]:
    """The PostgreSQL backends connected to the bench database, when they run on this machine."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        pids = [row[0] for row in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


# --- (b) Oversell -----------------------------------------------------------------------------


def rush_for_the_last_units(base: str, shelf: Shelf, buyers: int, seconds: int) -> Tally:
    """Every buyer gets a cart and the checkout page first (a few dozen at a time, as a crowd
    trickles in), then all place their order at once. Bounded: `seconds` for all of it."""
    tally = Tally()
    barrier, preparing = threading.Barrier(buyers), threading.Semaphore(RUSH_PREPARING)

    def buy() -> None:
        buyer = Buyer(base, timeout=seconds)
        try:
            with preparing:
                buyer.fill_cart(shelf.rush)
                checkout = buyer.open_checkout(shelf.outlet_id)
            barrier.wait(timeout=seconds)
            tally.count(buyer.place(checkout))
        except (*SHOPPING_ERRORS, threading.BrokenBarrierError) as error:
            barrier.abort()  # the others stop waiting for this one
            tally.fail(error)

    threading.stack_size(512 * 1024)  # a thousand threads of Python, not of C recursion
    run_all([threading.Thread(target=buy) for _ in range(buyers)], timeout=seconds)
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
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker in (a) (gthread when above 1)")
    parser.add_argument("--max-orders", type=int, default=2000, help="stop (a) after this many orders")
    parser.add_argument("--rush-buyers", type=int, default=1000)
    parser.add_argument("--rush-seconds", type=int, default=600, help="the oversell check's time limit")
    parser.add_argument("--last-units", type=int, default=20)
    args = parser.parse_args()
    require_loopback(args.database_url)

    stamp = time.strftime("%Y-%m-%d %H:%M")
    lines = [f"machine: {machine()} · PostgreSQL {postgres_version(args.database_url)}"]
    print(f"# checkout bench · {stamp}\n{lines[0]}")
    minimal_env = scratch_env("minimal")

    def minimal_page() -> float:
        with gunicorn(minimal_env, "bench.minimal_app:app") as server:
            return requests_per_second(server.url + "/", 10)

    postgres("dropdb", args.database_url)
    postgres("createdb", args.database_url)
    try:
        # As in production, a mail server is set: a request writes the order's message to the
        # outbox and `flask mail send` delivers it. Without one, each request would write it to the log.
        env = dict(scratch_env("checkout", args.database_url), MAIL_SERVER="mail.invalid")
        migrate_s = flask(env, "db", "upgrade")
        seed_s = flask(env, "seed", "demo")
        print(f"database ready (migrate {migrate_s:.0f} s, seed demo {seed_s:.0f} s)")
        app = in_process_app(env, args.database_url)
        shelf = stock_the_shelf(app, args.last_units)

        # The machine is shared: the minimal page just before and just after, and their mean.
        minimal_before = minimal_page()
        with gunicorn(env, "storefront:create_app()", workers=2, threads=args.threads) as server:
            warm_up(server.url, shelf)
            run = checkout_throughput(server, args.database_url, shelf, args.buyers, args.seconds, args.max_orders)
        minimal_after = minimal_page()
        minimal_rps = (minimal_before + minimal_after) / 2
        tally = run.tally
        if tally.errors:
            raise SystemExit(f"checkout errors: {tally.errors[:3]}")
        med, p95 = percentiles([s * 1000 for s in tally.seconds])
        rate, request_rate = tally.placed / run.elapsed, tally.requests / run.elapsed
        purchases = tally.placed + tally.refused
        database = "not on this machine" if run.database_cpu is None else f"{run.database_cpu / purchases * 1000:.0f} ms"
        lines += [
            f"minimal Flask page (gunicorn, 2 workers, wrk -c8): {minimal_before:,.0f} req/s before the checkout run, "
            f"{minimal_after:,.0f} after, mean {minimal_rps:,.0f}",
            f"checkout, pay at pickup (gunicorn, 2 workers, {args.threads} thread(s) each; {args.buyers} buyers, "
            f"each a process of its own): "
            f"{rate:,.1f} orders/s · {request_rate:,.0f} req/s = {request_rate / minimal_rps:.3f} × minimal page · "
            f"{tally.placed} orders in {run.elapsed:.0f} s, {tally.refused} refused · one whole purchase median "
            f"{med:.0f} ms, p95 {p95:.0f} ms",
            "  counted: every request a browser makes for one purchase, redirects included: product page, add "
            "to cart (POST, then the cart page it redirects to), checkout page, place order (POST, then the "
            "order page), 6 in all; the ratio is those requests per second over the minimal page's (the "
            "mean above), both under gunicorn with 2 workers on this machine",
            f"  CPU per purchase: gunicorn workers {run.server_cpu / purchases * 1000:.0f} ms, PostgreSQL "
            f"backends {database}, buyers {run.client_cpu / purchases * 1000:.0f} ms "
            f"({run.server_cpu + (run.database_cpu or 0) + run.client_cpu:.0f} s of CPU in {run.elapsed:.0f} s on "
            f"{os.cpu_count()} cores; load {os.getloadavg()[0]:.1f} at the end)",
        ]
        print("\n".join(lines[1:]))

        with gunicorn(env, "storefront:create_app()", workers=RUSH_WORKERS) as server:
            rush_began = time.perf_counter()
            rush = rush_for_the_last_units(server.url, shelf, args.rush_buyers, args.rush_seconds)
            rush_elapsed = time.perf_counter() - rush_began
        orders, available, differences = rush_outcome(app, shelf)
        verdict = "OK" if (orders == rush.placed == args.last_units and available == 0
                           and not differences and not rush.errors) else "FAILED"
        lines.append(
            f"oversell check (gunicorn, {RUSH_WORKERS} workers): {args.rush_buyers} buyers at once for the last "
            f"{args.last_units} units → {rush.placed} orders placed, {rush.refused} refused, {len(rush.errors)} errors; "
            f"{orders} orders hold the product, available now {available}, "
            f"stock check {'clean' if not differences else f'{len(differences)} differences'} "
            f"({rush_elapsed:.0f} s with the carts filled): {verdict}"
        )
        print(lines[-1])
    finally:
        postgres("dropdb", args.database_url)

    record("Checkout", stamp, lines)
    if verdict != "OK":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
