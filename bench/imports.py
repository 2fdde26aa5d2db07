"""Importing pre-OCOP baselines for every certified product at once, as staff do at /admin/baselines.

    .venv/bin/python bench/imports.py [--lines 16000 100000] [--products 150000]
                                      [--databases sqlite postgresql] [--no-record]
                                      [--database-url postgresql://postgres@127.0.0.1:5432/ocop_bench_imports]

For each database, a fresh one (a SQLite file under bench/out, or the scratch PostgreSQL
database dropped and created again) gets `flask db upgrade` and `flask seed synthetic
--products P` (about two thirds of them certified). Then, in process, for each file size: the
baselines are deleted, the downloadable template's first N lines are filled in, and the file is
imported as CSV (all new), as CSV again (all updated) and as XLSX (all updated). ~16,000 is
the national number of certified products; 100,000 is the largest file the import takes.
Figures go to stdout and, under "Baseline import", to bench/RESULTS.md (not with --no-record).
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
    record,
    require_loopback,
    scratch_database,
)


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


def run(database: str, products: int, sizes: list[int], url: str) -> list[str]:
    with scratch_database(f"imports-{database}", database, url) as (env, url):
        seed_s = flask(env, "seed", "synthetic", "--products", str(products), "--seed", "1", "--no-index")
        figures = measure(env, url, sizes)
        label = database_label(database, url)
    return [f"{label} · {products:,} products (`flask seed synthetic` {seed_s:.0f} s) · {figure}" for figure in figures]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[16_000, 100_000])
    parser.add_argument("--products", type=int, default=150_000)
    database_arguments(parser, "postgresql://postgres@127.0.0.1:5432/ocop_bench_imports")
    args = parser.parse_args()
    require_loopback(args.database_url)

    stamp = time.strftime("%Y-%m-%d %H:%M")
    lines = [f"machine: {machine()}"]
    print(f"# baseline import bench · {stamp}\n{lines[0]}", flush=True)
    for database in args.databases:
        for line in run(database, args.products, args.lines, args.database_url):
            lines.append(line)
            print(line, flush=True)
    if not args.no_record:
        record("Baseline import", stamp, lines)


if __name__ == "__main__":
    main()
