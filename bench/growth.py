"""The growth report at bench scale: a page of 50 rows beside the bare SQL aggregate, and the
downloads of every row.

    .venv/bin/python bench/growth.py [--products 20000 100000] [--lines 10000000 ...]
                                     [--export-products 150000] [--export-lines 1000000]
                                     [--databases sqlite postgresql] [--repeat 3] [--fresh] [--no-record]
                                     [--serial]
                                     [--database-url postgresql://postgres@127.0.0.1:5432/ocop_bench_growth]

Each scenario has its own scratch database, kept between runs because 10 million sale lines
take minutes to generate: a SQLite file under bench/out/growth-<database>-<products>-<lines>/, or
the PostgreSQL database <database-url>_<products>_<lines>. It is reused when it holds exactly
the products and lines asked for; otherwise (or with --fresh) it is made again with `flask db
upgrade` and `flask seed synthetic --products P --sales N --seed 1`.

In process, the median of `--repeat` runs of:
- a page of the report (growth_page, 50 rows; its summary and histogram cover every row), in
  the default order, ordered by revenue ratio, by name, and by last-12-months revenue (which
  sums a second period), and the last-12-months view;
- the bare `SELECT product_id, SUM(amount) FROM sale_line GROUP BY product_id`, fetched;
the figure is each page's time over the aggregate's, in wall time and in this process's CPU
time (on SQLite the database's work whatever else loads the machine; on PostgreSQL the client's
only). With --serial, PostgreSQL plans without parallel workers and the figures add the
server's CPU time, that of the one backend (from /proc): its work whatever else loads the
machine, as the process's is on SQLite. Then, on the --export-products database
(enough products for 100,000 rows; 0 leaves the downloads out), the CSV and XLSX downloads of every row, each timed (on
PostgreSQL with its session's server CPU time too, from /proc) with
the peak of Python's memory while it is written (tracemalloc, in a second run), as the file grows.
Figures go to stdout and, under "Growth report", to bench/RESULTS.md (not with --no-record).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    database_arguments,
    database_label,
    flask,
    goal,
    in_process_app,
    kept_database,
    machine,
    record,
    require_loopback,
)

# Issue 10's goals: a page at most twice the bare aggregate; 100,000 rows downloaded in under 10 s.
PAGE_GOAL_RATIO = 2
DOWNLOAD_GOAL_S = 10
BARE_AGGREGATE = "SELECT product_id, SUM(amount) FROM sale_line GROUP BY product_id"
PAGES = {  # label: (sort column, descending, last-12-months view)
    "default order": ("code", False, False),
    "by revenue ratio": ("revenue_ratio", True, False),
    "by name": ("name", False, False),
    "by last-12-months revenue": ("trailing_revenue", True, False),
    "last-12-months view": ("code", False, True),
}


def timed(action, repeat: int, backend: int | None = None) -> tuple[tuple[float, float], object]:
    """The median wall time and the median CPU time of this process (plus that of the PostgreSQL
    `backend`, if given) over `repeat` runs, each in a fresh session, and the last result. On
    SQLite the database works in this process, so its CPU time is the work done whatever else
    loads the machine (wall time is not: the bench shares 2 cores); on PostgreSQL the server's
    work is in it only with the backend."""
    from storefront.extensions import db

    seconds, cpu, result = [], [], None
    for _ in range(repeat):
        db.session.remove()
        started, started_cpu, started_server = time.perf_counter(), time.process_time(), server_cpu(backend)
        result = action()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu + server_cpu(backend) - started_server)
    db.session.remove()
    return (median(seconds), median(cpu)), result


def measure_pages(env: dict, url: str, repeat: int, serial: bool = False) -> dict:
    from decimal import Decimal

    from sqlalchemy import text

    from storefront.extensions import db
    from storefront.reports.services import ReportFilters, ReportOrder, growth_page

    serial = serial and url.startswith("postgresql")
    if serial:  # every query of the run in the one backend whose CPU time /proc tells
        url += "?options=-c%20max_parallel_workers_per_gather%3D0"
    app = in_process_app(env, url)
    figures = {}
    with app.app_context():
        backend = backend_pid(url) if serial else None
        bare_s, sums = timed(lambda: db.session.execute(text(BARE_AGGREGATE)).all(), repeat, backend)
        for label, (column, descending, past_year_one) in PAGES.items():
            seconds, page = timed(lambda: growth_page(
                ReportFilters(), default_target=Decimal("1.5"), order=ReportOrder(column, descending), per_page=50,
                past_year_one=past_year_one), repeat, backend)
            figures[label] = (seconds, page)
        lines = db.session.scalar(text("SELECT COUNT(*) FROM sale_line"))
        db.engine.dispose()
    return {"bare_s": bare_s, "products_sold": len(sums), "lines": lines, "pages": figures, "serial": serial}


def measure_downloads(env: dict, url: str) -> dict:
    """Each file written twice: timed, then with tracemalloc on (which slows Python several
    times over) for the peak of Python's memory while it is written."""
    from decimal import Decimal

    from storefront.extensions import db
    from storefront.reports.exports import growth_csv, write_growth_xlsx
    from storefront.reports.services import ReportFilters, all_growth_rows

    def write(kind: str, file) -> int:
        counted = 0

        def rows():
            nonlocal counted
            for row in all_growth_rows(ReportFilters(), default_target=Decimal("1.5")):
                counted += 1
                yield row

        file.seek(0)
        file.truncate()
        if kind == "csv":
            for chunk in growth_csv(rows()):
                file.write(chunk)
        else:
            write_growth_xlsx(file, rows())
        db.session.remove()
        return counted

    app = in_process_app(env, url)
    figures = {}
    with app.test_request_context(), tempfile.TemporaryFile() as file:
        backend = backend_pid(url)
        for kind in ("csv", "xlsx"):
            started, started_cpu, started_server = time.perf_counter(), time.process_time(), server_cpu(backend)
            rows = write(kind, file)
            seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
            server = None if backend is None else server_cpu(backend) - started_server
            tracemalloc.start()
            write(kind, file)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            figures[kind] = {"seconds": seconds, "cpu": cpu, "server": server, "rows": rows, "bytes": file.tell(),
                             "peak": peak}
        db.engine.dispose()
    return figures


def backend_pid(url: str) -> int | None:
    """The process of the PostgreSQL session the downloads are read through (the pool hands
    the one connection back each time); none on SQLite, which works in this process."""
    from sqlalchemy import text

    from storefront.extensions import db

    if not url.startswith("postgresql"):
        return None
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.remove()
    return pid


def server_cpu(pid: int | None) -> float:
    """The CPU seconds the PostgreSQL backend `pid` has used so far, read from /proc: the
    server runs on this machine (require_loopback). Parallel workers, if any, are not in it."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def page_line(database: str, url: str, products: int, figures: dict) -> str:
    (bare, bare_cpu) = figures["bare_s"]
    cpu_of = "CPU + server" if figures["serial"] else "CPU"
    pages = " · ".join(
        f"{name} {seconds:.2f} s = {seconds / bare:.2f}× ({cpu_of} {cpu:.2f} s = {cpu / bare_cpu:.2f}×)"
        for name, ((seconds, cpu), _page) in figures["pages"].items()
    )
    first = figures["pages"]["default order"][1]
    overall = first.summary["overall"]
    return (
        f"{database_label(database, url)}{' without parallel workers' if figures['serial'] else ''} · "
        f"{products:,} products, {figures['lines']:,} sale lines: a page of 50 of "
        f"{first.total:,} rows ({overall['meets']:,} meet, {overall['with_baseline']:,} compared) — {pages} "
        f"· bare `{BARE_AGGREGATE}` {bare:.2f} s, {cpu_of} {bare_cpu:.2f} s ({figures['products_sold']:,} rows) "
        f"· load {os.getloadavg()[0]:.1f} at end · "
        + goal(f"every page ≤ {PAGE_GOAL_RATIO}× the bare aggregate",
               all(seconds <= PAGE_GOAL_RATIO * bare for ((seconds, _cpu), _page) in figures["pages"].values()))
    )


def download_line(database: str, url: str, products: int, lines: int, figures: dict) -> str:
    parts = [
        f"{kind.upper()} {found['rows']:,} rows in {found['seconds']:.1f} s, CPU {found['cpu']:.1f} s"
        + ("" if found["server"] is None else
           f" + server {found['server']:.1f} s = {found['cpu'] + found['server']:.1f} s")
        + f" ({found['bytes'] / 2**20:.1f} MB written, "
        f"Python memory peak {found['peak'] / 2**20:.1f} MB, "
        + goal(f"100,000 rows in < {DOWNLOAD_GOAL_S} s",
               found["seconds"] < DOWNLOAD_GOAL_S * found["rows"] / 100_000) + ")"
        for kind, found in figures.items()
    ]
    return (f"{database_label(database, url)} · {products:,} products, {lines:,} sale lines: downloads of every row — "
            + " · ".join(parts) + f" · load {os.getloadavg()[0]:.1f} at end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--export-products", type=int, default=150_000,
                        help="products of the download scenario (150,000 give the report about 100,000 rows)")
    parser.add_argument("--export-lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="generate the scratch databases again")
    parser.add_argument("--serial", action="store_true",
                        help="PostgreSQL: no parallel workers, and the server's CPU time in the CPU figures")
    database_arguments(parser, "postgresql://postgres@127.0.0.1:5432/ocop_bench_growth")
    args = parser.parse_args()
    require_loopback(args.database_url)

    stamp = time.strftime("%Y-%m-%d %H:%M")
    lines = [f"machine: {machine()}"]
    print(f"# growth report bench · {stamp}\n{lines[0]}", flush=True)
    for database in args.databases:
        for count in args.lines:
            for products in args.products:
                env, url = kept_database("growth", database, products, count, args.database_url, args.fresh)
                lines.append(page_line(database, url, products, measure_pages(env, url, args.repeat, args.serial)))
                print(lines[-1], flush=True)
        if not args.export_products:
            continue
        env, url = kept_database("growth", database, args.export_products, args.export_lines, args.database_url,
                                     args.fresh)
        lines.append(download_line(database, url, args.export_products, args.export_lines, measure_downloads(env, url)))
        print(lines[-1], flush=True)
    if not args.no_record:
        record("Growth report", stamp, lines)


if __name__ == "__main__":
    main()
