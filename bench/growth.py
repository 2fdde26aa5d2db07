"""The growth report over 1,000,000 and 10,000,000 sale lines, beside the bare SQL aggregate.

    .venv/bin/python bench/growth.py [--lines 1000000 10000000] [--products 20000]
                                     [--databases sqlite postgresql] [--repeat 3] [--no-record]
                                     [--database-url postgresql://postgres@127.0.0.1:5432/ocop_bench_growth]

For each database and number of sale lines, a fresh database (a SQLite file under bench/out,
or the scratch PostgreSQL database dropped and created again with dropdb/createdb, dropped at
the end) gets `flask db upgrade` and `flask seed synthetic --products P --sales N`. Then, in
process, the median of `--repeat` runs of growth_report(ReportFilters(), default_target=1.5)
beside the median of the bare `SELECT product_id, SUM(amount) FROM sale_line GROUP BY
product_id` on the same database: the report's cost over the aggregate's is the figure.
Figures go to stdout and, under "Growth report", to bench/RESULTS.md (not with --no-record).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path
from statistics import median

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

BARE_AGGREGATE = "SELECT product_id, SUM(amount) FROM sale_line GROUP BY product_id"


def timed(action, repeat: int) -> tuple[float, object]:
    """The median wall time of `repeat` runs, each in a fresh session, and the last result."""
    from storefront.extensions import db

    seconds, result = [], None
    for _ in range(repeat):
        db.session.remove()
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
    db.session.remove()
    return median(seconds), result


def measure(env: dict, url: str, repeat: int) -> dict:
    from sqlalchemy import text

    from storefront.extensions import db
    from storefront.reports.services import ReportFilters, growth_report

    app = in_process_app(env, url)
    with app.app_context():
        report_s, report = timed(lambda: growth_report(ReportFilters(), default_target=1.5), repeat)
        bare_s, sums = timed(lambda: db.session.execute(text(BARE_AGGREGATE)).all(), repeat)
        lines = db.session.scalar(text("SELECT COUNT(*) FROM sale_line"))
        db.engine.dispose()
    return {
        "report_s": report_s, "bare_s": bare_s, "lines": lines, "rows": len(report.rows),
        "products_sold": len(sums), "statuses": Counter(row.status for row in report.rows),
    }


def run(database: str, lines: int, products: int, url: str, repeat: int) -> str:
    with scratch_database(f"growth-{database}-{lines}", database, url) as (env, url):
        seed_s = flask(env, "seed", "synthetic", "--products", str(products), "--sales", str(lines),
                       "--seed", "1", "--no-index")
        figures = measure(env, url, repeat)
        label = database_label(database, url)
    statuses = ", ".join(f"{status} {count:,}" for status, count in sorted(figures["statuses"].items()))
    return (
        f"{label} · {figures['lines']:,} sale lines over {products:,} products "
        f"(`flask seed synthetic` {seed_s:.0f} s for both): "
        f"growth report median {figures['report_s']:.2f} s for {figures['rows']:,} products ({statuses}) · "
        f"bare `{BARE_AGGREGATE}` median {figures['bare_s']:.2f} s ({figures['products_sold']:,} rows) · "
        f"ratio {figures['report_s'] / figures['bare_s']:.1f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    database_arguments(parser, "postgresql://postgres@127.0.0.1:5432/ocop_bench_growth")
    args = parser.parse_args()
    require_loopback(args.database_url)

    stamp = time.strftime("%Y-%m-%d %H:%M")
    lines = [f"machine: {machine()}"]
    print(f"# growth report bench · {stamp}\n{lines[0]}", flush=True)
    for database in args.databases:
        for count in args.lines:
            lines.append(run(database, count, args.products, args.database_url, args.repeat))
            print(lines[-1], flush=True)
    if args.no_record:
        return

    record("Growth report", stamp, lines)


if __name__ == "__main__":
    main()
