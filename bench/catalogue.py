"""Search latency and catalogue throughput at 20,000 and 100,000 products.

    .venv/bin/python bench/catalogue.py [--sizes 20000 100000] [--queries 300]  (or `make bench`)

For each size: a fresh SQLite database seeded by `flask seed synthetic`, the search index rebuilt,
then (1) search latency in process, median and p95, for realistic plain queries (product words
typed without diacritics) and for misspelt ones that take the typo fallback (the process's first
query, which reads the index's arrays, timed apart), and suggestions for the same queries less
their last two letters, (2) uncached renders in process (the page cache off, as for a logged-in
visitor; facet counts and product cards warm), median and p95, and listing pages whose cards are
rendered anew (pages 2-21, and 20 pages spread down to the last in price order, as a crawler goes),
and (3) requests per second of each catalogue page under gunicorn (2 workers) for visitors not
logged in (the page cache on), each run between two runs of the minimal Flask page on the same
machine; the ratio to their mean is the figure (the product page, of a product in stock, also as a
returning browser asks for it: its session cookie, Brotli). Each figure is printed beside its goal
(issue 13) and whether it is met; the lines go to bench/RESULTS.md under
"Catalogue" (not with --no-record).
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Server, flask, goal, gunicorn, machine, percentiles, record, requests_per_second, scratch_env, workers_cpu_seconds,
)

# Issue 13's goals, at 100,000 products.
REINDEX_GOAL_S = 120
SEARCH_GOAL_MS = {"plain": 30, "typo": 90}  # p95
RENDER_GOAL_MS = 25  # p95 of an uncached listing, product page or search
SUGGEST_GOAL_MS = 10  # p95
PAGE_GOAL_RATIO = 0.35  # a stored page's rate over the minimal page's


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def misspell(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    return word[:i] + word[i] + word[i:]  # a doubled letter, the commonest phone typo


def realistic_queries(names: list[str], count: int, rng: random.Random) -> tuple[list[str], list[str]]:
    plain, typos = [], []
    for name in rng.sample(names, count):
        words = [w for w in fold(name).split() if w.isalpha() and len(w) > 2]
        if len(words) < 2:
            continue
        start = rng.randrange(len(words) - 1)
        pair = words[start:start + 2]
        plain.append(" ".join(pair))
        typos.append(" ".join([misspell(pair[0], rng), pair[1]]))
    return plain, typos


def search_latency(env: dict, query_count: int) -> dict:
    os.environ.update(INSTANCE_DIR=env["INSTANCE_DIR"])
    os.environ.pop("DATABASE_URL", None)
    from config import Config
    from storefront import create_app
    from storefront.catalog.filters import ProductFilters
    from storefront.catalog.listing import sql_page
    from storefront.catalog.models import Product
    from storefront.extensions import db
    from storefront.search.queries import search_products, suggest

    Config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{env['INSTANCE_DIR']}/ocop.db"
    Config.SEARCH_INDEX_DIR = f"{env['INSTANCE_DIR']}/search-index"
    Config.PAGE_CACHE = False  # renders as a logged-in visitor gets them (see uncached_renders)
    app = create_app(Config)
    rng = random.Random(7)
    with app.test_request_context():
        names = list(db.session.scalars(db.select(Product.name_vi)))
        plain, typos = realistic_queries(names, query_count, rng)
        figures = {}
        started = time.perf_counter()
        search_products(ProductFilters(q=plain[0]), per_page=24)
        first_ms = (time.perf_counter() - started) * 1000
        for label, queries in (("plain", plain), ("typo", typos)):
            samples, cpu_samples, fallbacks = [], [], 0
            for q in queries:
                started, cpu_started = time.perf_counter(), time.thread_time()
                listing = search_products(ProductFilters(q=q), per_page=24)
                cpu_samples.append((time.thread_time() - cpu_started) * 1000)
                samples.append((time.perf_counter() - started) * 1000)
                fallbacks += listing.typo_fallback
                db.session.remove()
            # CPU time beside wall time: on a shared machine the wall time mostly says the load.
            figures[label] = (*percentiles(samples), *percentiles(cpu_samples), len(queries), fallbacks)
        prefixes = [q[:-2] for q in plain]  # as typed in the search box, before the last letters
        samples, cpu_samples = [], []
        for prefix in prefixes:
            started, cpu_started = time.perf_counter(), time.thread_time()
            suggest(prefix)
            cpu_samples.append((time.thread_time() - cpu_started) * 1000)
            samples.append((time.perf_counter() - started) * 1000)
        suggestions = (*percentiles(samples), *percentiles(cpu_samples), len(prefixes), prefixes[0])
        sample_query = plain[0]
        product = sql_page(ProductFilters(), per_page=1)[0]  # a product shoppers see
        stock_for_sale(product)
        slug = product.slug
    return {"latency": figures, "suggestions": suggestions, "first_ms": first_ms, "sample_query": sample_query, "slug": slug, "app": app}


def stock_for_sale(product) -> None:
    """The synthetic catalogue holds no stock: the product page measured gets some at one sales
    point, so it shows what a sellable product's page does: its stock, and the add-to-cart form
    with the visitor's own CSRF token in it."""
    from storefront.extensions import db
    from storefront.outlets.models import Outlet
    from storefront.outlets.services import ReceiptLine, receive_stock

    outlet = db.session.scalars(db.select(Outlet).where(Outlet.active).order_by(Outlet.id)).first()
    receive_stock(outlet=outlet, lines=[ReceiptLine(product=product, qty=100)], user=None)


def uncached_renders(app, pages: list[tuple[str, str]], repeats: int = 20) -> dict[str, tuple[float, float]]:
    """Each page rendered `repeats` times in process (the app is made with the page cache off)."""
    client = app.test_client()
    figures = {}
    for label, path in pages:
        client.get(path)  # facet counts for this version, as any first visitor pays once
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            assert client.get(path).status_code == 200, path
            samples.append((time.perf_counter() - started) * 1000)
        figures[label] = percentiles(samples)
    return figures


def cold_card_renders(app, paths: list[str]) -> tuple[float, float]:
    """Listing pages whose 24 cards are each rendered for the first time (facet counts warm),
    as after a catalogue change."""
    client = app.test_client()
    client.get("/products")
    samples = []
    for path in paths:
        started = time.perf_counter()
        assert client.get(path).status_code == 200, path
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def deep_listing_pages(app, sort: str, count: int = 20) -> list[str]:
    """`count` pages spread over the listing's whole depth, the last one included: as a crawler
    following the page links goes, each page's OFFSET stepping over the products before it."""
    from storefront.catalog.filters import ProductFilters
    from storefront.catalog.listing import sql_facets

    with app.test_request_context():
        total, _facets = sql_facets(ProductFilters())
    last = -(-total // app.config["PRODUCTS_PER_PAGE"])
    return [f"/products?sort={sort}&page={last * step // count}" for step in range(1, count + 1)]


def children_cpu_seconds() -> float:
    """CPU time of the finished commands this bench ran, their own children included (the
    reindex's writer processes): on a shared machine it says what the wall time cannot."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def warm_up(server: Server, path: str, requests: int = 12) -> None:
    """Not what is measured: each worker imports the app when it starts (seconds of CPU on a
    busy machine, which a worker still starting during the run would add to it), and opens the
    database and the index and stores the page on its first request. So: wait until the
    workers' CPU time stops growing, then send requests side by side, so each worker gets some."""
    used = -1.0
    while used != (used := workers_cpu_seconds(server.pid)):
        time.sleep(0.5)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: urlopen(server.url + path, timeout=60).read(), range(requests)))


def served(env: dict, app: str, path: str, seconds: int, as_browser: bool = False) -> tuple[float, float]:
    """Requests per second of one page under gunicorn (2 workers), and the workers' CPU
    milliseconds per request: what a request costs, however busy the machine is. `as_browser`:
    each request as a returning browser sends it, with the session cookie the page gave it and
    Brotli accepted (wrk's own requests carry neither)."""
    with gunicorn(env, app) as server:
        warm_up(server, path)
        headers = browser_headers(server.url + path) if as_browser else ()
        cpu_before = workers_cpu_seconds(server.pid)
        rps = requests_per_second(server.url + path, seconds, headers=headers)
        cpu = workers_cpu_seconds(server.pid) - cpu_before
    return rps, cpu * 1000 / (rps * seconds)


def browser_headers(url: str) -> tuple[str, ...]:
    with urlopen(url, timeout=60) as response:
        cookie = (response.headers.get("Set-Cookie") or "").split(";")[0]
    return (f"Cookie: {cookie}", "Accept-Encoding: br, gzip") if cookie else ("Accept-Encoding: br, gzip",)


def catalogue_pages(sample_query: str, slug: str) -> list[tuple[str, str]]:
    return [
        ("/", "/"),
        ("/products", "/products"),
        ("/products?stars=4&sort=price_asc", "/products?stars=4&sort=price_asc"),
        ("/products?min_price=100000&max_price=300000", "/products?min_price=100000&max_price=300000"),
        ("/products/<slug>", f"/products/{slug}"),
        (f"/search?q={sample_query}", "/search?q=" + quote(sample_query)),
        ("/search/suggest?q=sam", "/search/suggest?q=sam"),
        ("/api/v1/products", "/api/v1/products"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-record", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()

    stamp = time.strftime("%Y-%m-%d %H:%M")
    lines = [f"machine: {machine()}"]
    print(f"# catalogue bench · {stamp}\n{lines[0]}", flush=True)
    minimal_env = scratch_env("minimal")

    def report(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    for size in args.sizes:
        env = scratch_env(f"catalogue-{size}")
        flask(env, "db", "upgrade")
        seed_s = flask(env, "seed", "synthetic", "--products", str(size), "--seed", "1", "--no-index")
        cpu_before = children_cpu_seconds()
        index_s = flask(env, "search", "reindex")
        index_cpu = children_cpu_seconds() - cpu_before
        report(f"{size:,} products: seed {seed_s:.0f} s · search reindex {index_s:.0f} s using {index_cpu:.0f} s "
               f"of CPU, {os.cpu_count()} cores · {goal(f'< {REINDEX_GOAL_S} s', index_s < REINDEX_GOAL_S)}")
        result = search_latency(env, args.queries)
        report(f"search, a process's first query (reads the index's arrays): {result['first_ms']:.0f} ms")
        for label, (med, p95, cpu_med, cpu_p95, n, fallbacks) in result["latency"].items():
            report(f"search {label:5}: median {med:6.1f} ms · p95 {p95:6.1f} ms (CPU {cpu_med:.1f} · {cpu_p95:.1f} ms) "
                   f"({n} queries, {fallbacks} took the typo fallback) · "
                   f"{goal(f'p95 ≤ {SEARCH_GOAL_MS[label]} ms', p95 <= SEARCH_GOAL_MS[label])}")
        med, p95, cpu_med, cpu_p95, n, example = result["suggestions"]
        report(f"suggestions : median {med:6.1f} ms · p95 {p95:6.1f} ms (CPU {cpu_med:.1f} · {cpu_p95:.1f} ms) "
               f"({n} prefixes such as '{example}') · {goal(f'p95 ≤ {SUGGEST_GOAL_MS} ms', p95 <= SUGGEST_GOAL_MS)}")
        pages = catalogue_pages(result["sample_query"], result["slug"])
        renders = uncached_renders(result["app"], pages)
        renders["/products?page=N, cards not kept"] = cold_card_renders(
            result["app"], [f"/products?page={page}" for page in range(2, 22)])
        renders["/products?sort=price_asc&page=deep, cards not kept"] = cold_card_renders(
            result["app"], deep_listing_pages(result["app"], "price_asc"))
        for label, (med, p95) in renders.items():
            limit = SUGGEST_GOAL_MS if label.startswith("/search/suggest") else RENDER_GOAL_MS
            report(f"uncached render {label:40} median {med:6.1f} ms · p95 {p95:6.1f} ms · "
                   f"{goal(f'p95 ≤ {limit} ms', p95 <= limit)}")
        product_page = dict(pages)["/products/<slug>"]
        for label, path, as_browser in [*((label, path, False) for label, path in pages),
                                        ("/products/<slug> as a browser", product_page, True)]:
            before, before_cpu = served(minimal_env, "bench.minimal_app:app", "/", args.seconds)
            rps, cpu = served(env, "storefront:create_app()", path, args.seconds, as_browser)
            after, after_cpu = served(minimal_env, "bench.minimal_app:app", "/", args.seconds)
            minimal, minimal_cpu = (before + after) / 2, (before_cpu + after_cpu) / 2
            report(f"stored page {label:40} {rps:8,.0f} req/s = {rps / minimal:.3f} × minimal page "
                   f"({minimal:,.0f} req/s) · {goal(f'≥ {PAGE_GOAL_RATIO}×', rps / minimal >= PAGE_GOAL_RATIO)} · "
                   f"workers' CPU {cpu:.2f} ms a request, minimal page {minimal_cpu:.2f} ms: "
                   f"{minimal_cpu / cpu:.2f}×")
    report(f"load {os.getloadavg()[0]:.1f} at end")
    if not args.no_record:
        record("Catalogue", stamp, lines)


if __name__ == "__main__":
    main()
