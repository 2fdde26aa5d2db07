"""Importing files as staff do: pre-OCOP baselines for every certified product at once
(/admin/baselines), and a province's producers, products and evaluations (/admin/imports).

    .venv/bin/python bench/imports.py [--imports baselines catalogue] [--lines 16000 100000]
                                      [--products 150000] [--databases sqlite postgresql] [--no-record]
                                      [--database-url postgresql://postgres@127.0.0.1:5432/ocop_bench_imports]

For each database, a fresh one (a SQLite file under bench/out, or the scratch PostgreSQL
database dropped and created again) gets `flask db upgrade` and `flask seed synthetic
--products P` (about two thirds of them certified). Then, in process, for each file size:
- baselines: the baselines are deleted, the downloadable template's first N lines are filled
  in, and the file is imported as CSV (all new), as CSV again (all updated) and as XLSX (all
  updated);
- catalogue: N new producers, then N new products (one each), then N evaluations (one each),
  each file imported as CSV (all new), again (all unchanged), with every line changed (all
  updated), and the products and evaluations also as XLSX (unchanged). The search index is
  updated after each commit, inside the import or, past SEARCH_INLINE_LIMIT products, by a
  thread after it answers; its time is given apart.
~16,000 is the national number of certified products; 100,000 is the largest file an import takes.
Figures go to stdout and, under "Baseline import" and "Catalogue import", to bench/RESULTS.md
(not with --no-record).
"""
from __future__ import annotations

import argparse
import datetime
import random
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
    record,
    require_loopback,
    scratch_database,
)


SECTIONS = {"baselines": "Baseline import", "catalogue": "Catalogue import"}


def filled_template(lines: int) -> list[list[object]]:
    """The template as staff download it, its first `lines` products given figures."""
    from storefront.reports.imports import baseline_template_rows

    header, *rows = baseline_template_rows()
    if len(rows) < lines:
        raise SystemExit(f"only {len(rows):,} certified products; seed more with --products")
    return [header, *([code, 1_500_000_000 + i, 300_000_000 + i, "declared", "", name]
                      for i, (code, _r, _p, _s, _n, name) in enumerate(rows[:lines]))]


def measure(env: dict, url: str, sizes: list[int]) -> list[str]:
    from sqlalchemy import delete

    from storefront.extensions import db
    from storefront.reports.imports import import_baselines
    from storefront.reports.models import Baseline
    from storefront.spreadsheets import csv_bytes, xlsx_bytes

    def timed(filename: str, data: bytes) -> tuple[float, object]:
        db.session.remove()
        started = time.perf_counter()
        result = import_baselines(filename=filename, data=data)
        return time.perf_counter() - started, result

    figures = []
    app = in_process_app(env, url)
    with app.test_request_context():  # messages are worded in the request's language
        for lines in sizes:
            db.session.execute(delete(Baseline))
            db.session.commit()
            rows = filled_template(lines)
            csv_data, xlsx_data = csv_bytes(rows), xlsx_bytes(rows, title="baselines")
            new_s, new = timed("baselines.csv", csv_data)
            again_s, again = timed("baselines.csv", csv_data)
            xlsx_s, _ = timed("baselines.xlsx", xlsx_data)
            assert (new.created, again.updated) == (lines, lines), (new, again)
            figures.append(
                f"{lines:,} lines (CSV {len(csv_data) / 1e6:.1f} MB, XLSX {len(xlsx_data) / 1e6:.1f} MB): "
                f"CSV all new {new_s:.1f} s · CSV again, all updated {again_s:.1f} s · XLSX, all updated {xlsx_s:.1f} s"
            )
        db.engine.dispose()
    return figures


# --- Producers, products and evaluations -------------------------------------------------------

KINDS = ("cooperative", "enterprise", "cooperative_group", "household")
GROUPS = ("food", "beverage", "herbal", "handicraft", "ornamental")
WORDS = ("Trà", "Mật ong", "Nước mắm", "Rượu", "Bánh", "Sâm", "Gạo", "Tiêu", "Quế", "Chè", "Miến", "Nấm")


def catalogue_files(lines: int, communes: list[str], changed: bool) -> dict[str, list[list[object]]]:
    """N producers, N products (one each) and N evaluations (one each), as staff would fill in
    the English templates; `changed` alters one field on every line."""
    from storefront.catalog.imports import EVALUATIONS, PRODUCERS, PRODUCTS

    rng = random.Random(lines)
    today = datetime.date.today()
    suffix = " (mới)" if changed else ""
    producers, products, evaluations = [PRODUCERS.headers("en")[:4]], [PRODUCTS.headers("en")[:9]], \
        [EVALUATIONS.headers("en")[:6]]
    for n in range(lines):
        producers.append([f"BENCH-{n:06d}", f"HTX {WORDS[n % len(WORDS)]} số {n}{suffix}", KINDS[n % 4],
                          communes[n % len(communes)]])
        products.append([f"B-{n:06d}", f"{WORDS[n % len(WORDS)]} {WORDS[(n // 7) % len(WORDS)]} số {n}", "",
                         GROUPS[n % 5], "", f"BENCH-{n:06d}", "hộp", 100_000 + n + (1_000 if changed else 0), 60_000])
        score = rng.randint(30, 98) - (1 if changed else 0)  # the same draws both times: the same keys
        issued = today - datetime.timedelta(days=rng.randint(30, 1_000))
        evaluations.append([f"B-{n:06d}", score, "province", issued.isoformat(), f"{n}/QĐ-UBND",
                            f"GCN-{n}" if score >= 50 else ""])
    return {"producers": producers, "products": products, "evaluations": evaluations}


def measure_catalogue(env: dict, url: str, sizes: list[int]) -> list[str]:
    from storefront.catalog.imports import import_evaluations, import_producers, import_products
    from storefront.catalog.models import Area
    from storefront.extensions import db
    from storefront.search import index as search_index
    from storefront.spreadsheets import csv_bytes, xlsx_bytes

    importers = {"producers": import_producers, "products": import_products, "evaluations": import_evaluations}
    indexing = [0.0]
    write_products = search_index.write_products

    def timed_index_writes(*args, **kwargs):
        started = time.perf_counter()
        try:
            return write_products(*args, **kwargs)
        finally:
            indexing[0] += time.perf_counter() - started

    search_index.write_products = timed_index_writes  # what the after-commit hook calls

    def timed(kind: str, filename: str, data: bytes) -> str:
        db.session.remove()
        indexing[0] = 0.0
        started = time.perf_counter()
        result = importers[kind](filename=filename, data=data, actor=None)
        total = time.perf_counter() - started
        search_index.current_index().wait()  # a large import's products are indexed after it answers
        later = ", after the answer" if result.indexed_later else ""
        index_part = f" (index {indexing[0]:.1f} s{later})" if indexing[0] >= 0.05 else ""
        return (f"{total:.1f} s{index_part} → {result.created:,} created, {result.updated:,} updated, "
                f"{result.unchanged:,} unchanged")

    figures = []
    app = in_process_app(env, url)
    with app.test_request_context():
        communes = list(db.session.scalars(db.select(Area.code).where(Area.level == "commune")))
        for lines in sizes:
            new, changed = catalogue_files(lines, communes, False), catalogue_files(lines, communes, True)
            for kind in ("producers", "products", "evaluations"):
                csv_data = csv_bytes(new[kind])
                runs = [f"CSV all new {timed(kind, 'new.csv', csv_data)}",
                        f"again {timed(kind, 'new.csv', csv_data)}",
                        f"every line changed {timed(kind, 'changed.csv', csv_bytes(changed[kind]))}"]
                if kind != "producers":
                    runs.append(f"XLSX of those {timed(kind, 'changed.xlsx', xlsx_bytes(changed[kind], title=kind))}")
                figures.append(f"{lines:,} {kind} (CSV {len(csv_data) / 1e6:.1f} MB): " + " · ".join(runs))
            clear_catalogue_imports(db)
        db.engine.dispose()
    search_index.write_products = write_products
    return figures


def clear_catalogue_imports(db) -> None:
    """Back to the seeded catalogue, so the next size starts from the same place."""
    from sqlalchemy import delete, update

    from storefront.audit.models import AuditEntry
    from storefront.catalog.models import Evaluation, Producer, Product

    bench_products = select_ids(db, Product, Product.code.startswith("B-"))
    db.session.execute(update(Product).where(Product.id.in_(bench_products)).values(certification_id=None))
    db.session.execute(delete(Evaluation).where(Evaluation.product_id.in_(bench_products)))
    db.session.execute(delete(Product).where(Product.id.in_(bench_products)))
    db.session.execute(delete(Producer).where(Producer.registration_no.startswith("BENCH-")))
    db.session.execute(delete(AuditEntry))
    db.session.commit()


def select_ids(db, model, condition):
    return db.select(model.id).where(condition).scalar_subquery()


def run(database: str, products: int, sizes: list[int], url: str, imports: list[str]) -> dict[str, list[str]]:
    figures = {}
    with scratch_database(f"imports-{database}", database, url) as (env, url):
        seed_s = flask(env, "seed", "synthetic", "--products", str(products), "--seed", "1", "--no-index")
        if "baselines" in imports:
            figures["baselines"] = measure(env, url, sizes)
        if "catalogue" in imports:
            figures["catalogue"] = measure_catalogue(env, url, sizes)
        label = database_label(database, url)
    return {name: [f"{label} · {products:,} products (`flask seed synthetic` {seed_s:.0f} s) · {figure}"
                   for figure in lines] for name, lines in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imports", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--lines", type=int, nargs="+", default=[16_000, 100_000])
    parser.add_argument("--products", type=int, default=150_000)
    database_arguments(parser, "postgresql://postgres@127.0.0.1:5432/ocop_bench_imports")
    args = parser.parse_args()
    require_loopback(args.database_url)

    stamp = time.strftime("%Y-%m-%d %H:%M")
    header = f"machine: {machine()}"
    print(f"# import bench · {stamp}\n{header}", flush=True)
    lines = {name: [header] for name in args.imports}
    for database in args.databases:
        for name, figures in run(database, args.products, args.lines, args.database_url, args.imports).items():
            lines[name] += figures
            print("\n".join(figures), flush=True)
    if not args.no_record:
        for name in args.imports:
            record(SECTIONS[name], stamp, lines[name])


if __name__ == "__main__":
    main()
