"""The staff's lists of producers, products and evaluations at 100,000 products.

    .venv/bin/python bench/admin_lists.py [--products 100000] [--requests 20]
                                          [--databases sqlite postgresql] [--no-record]
                                          [--database-url postgresql://postgres@127.0.0.1:5432/ocop_bench_admin]

For each database, a fresh one gets `flask db upgrade` and `flask seed synthetic --products P`
(P/2 producers, ~P evaluations). Then, in process (the Flask test client, logged in as staff,
no HTTP server), each list page is requested once to warm up and then N times: the median and
p95 of its time, and the number of SQL statements it ran (which must not grow with the data).
The pages cover a plain first page, a search typed without diacritics, filters, a search that
matches nothing (the worst case of the LIKE scan) and the deepest page the lists serve.
Figures go to stdout and, under "Back-office lists", to bench/RESULTS.md (not with --no-record).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    database_arguments,
    database_label,
    flask,
    in_process_app,
    machine,
    percentiles,
    record,
    require_loopback,
    scratch_database,
)


def pages(province_code: str) -> list[str]:
    deepest = 200  # COUNT_CAP / PER_PAGE: no list goes deeper
    return [
        "/admin/producers",
        "/admin/producers?q=ruou+ngo",
        f"/admin/producers?kind=household&area={province_code}&status=active",
        f"/admin/producers?page={deepest}",
        "/admin/producers?q=khong-co-ai",
        "/admin/products",
        "/admin/products?q=nuoc+mam",
        "/admin/products?group=food&certification=expired",
        f"/admin/products?area={province_code}&stars=4",
        f"/admin/products?page={deepest}",
        "/admin/products?q=khong-co-gi",
        "/admin/evaluations",
        "/admin/evaluations?q=ngoc+linh",
        "/admin/evaluations?state=valid&stars=4",
        f"/admin/evaluations?page={deepest}",
    ]


def measure(env: dict, url: str, requests: int) -> list[str]:
    from sqlalchemy import event

    from storefront.accounts.models import User
    from storefront.catalog.models import Area
    from storefront.extensions import db

    app = in_process_app(env, url)
    figures = []
    with app.app_context():
        staff = User(email="bench-staff@example.vn", role="staff", password_hash="!")
        db.session.add(staff)
        db.session.commit()
        province = db.session.scalar(db.select(Area.code).where(Area.level == "province").order_by(Area.id))
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(staff.id)
            session["_fresh"] = True
        for path in pages(province):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            samples = []
            for _ in range(requests):
                statements.clear()
                started = time.perf_counter()
                client.get(path)
                samples.append((time.perf_counter() - started) * 1000)
            med, p95 = percentiles(samples)
            figures.append(f"`{path}`: median {med:.0f} ms · p95 {p95:.0f} ms · {len(statements)} SQL statements")
            print(figures[-1], flush=True)
        db.engine.dispose()
    return figures


def run(database: str, products: int, requests: int, url: str) -> list[str]:
    with scratch_database(f"admin-lists-{database}", database, url) as (env, url):
        seed_s = flask(env, "seed", "synthetic", "--products", str(products), "--seed", "1", "--no-index")
        label = database_label(database, url)
        print(f"## {label} · {products:,} products (`flask seed synthetic` {seed_s:.0f} s)", flush=True)
        figures = measure(env, url, requests)
    return [f"{label} · {products:,} products · {figure}" for figure in figures]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    database_arguments(parser, "postgresql://postgres@127.0.0.1:5432/ocop_bench_admin")
    args = parser.parse_args()
    require_loopback(args.database_url)

    stamp = time.strftime("%Y-%m-%d %H:%M")
    lines = [f"machine: {machine()}",
             f"`.venv/bin/python bench/admin_lists.py --products {args.products} --requests {args.requests}`"]
    print(f"# back-office lists bench · {stamp}\n{lines[0]}", flush=True)
    for database in args.databases:
        lines += run(database, args.products, args.requests, args.database_url)
    if not args.no_record:
        record("Back-office lists", stamp, lines)


if __name__ == "__main__":
    main()
