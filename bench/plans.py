"""The plan dashboard for the whole country at bench scale: every indicator of a national plan
(value, value at the period's start, the growth report's verdict), as /admin/dashboard and
/api/v1/plans/<id>/dashboard compute it, one indicator's list page and its trend chart.

Each figure is wall time and, beside it, the CPU time of this process: SQLite runs in it, so
on SQLite that is the work itself, whatever else loads the machine. On PostgreSQL the server's
work is not in it: beside it is the CPU time of the server's processes for the bench database
(read from /proc, so the server must run on this machine), its work whatever the load.

    .venv/bin/python bench/plans.py [--products 100000] [--sales 1000000] [--repeat 3] [--fresh]
                                    [--databases sqlite postgresql] [--no-record]
                                    [--database-url postgresql://postgres@127.0.0.1:5432/ocop_bench_plans]

The scratch database is kept between runs (bench.common.kept_database: bench/out/plans-sqlite-P-N/,
or the PostgreSQL database <database-url>_P_N), seeded with `flask seed synthetic --products P
--sales N --seed 1 --no-index` when it does not hold exactly that; --fresh seeds it again. Then,
in process, the median of --repeat runs. The dashboard and the trend charts are timed worked
out (the cache emptied before each run: the first view after a catalogue change or on a new
day) and kept (from the cache, storefront.plans.kept). Figures go to stdout and, under "Plan
dashboard", to bench/RESULTS.md (not with --no-record).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    database_arguments,
    database_label,
    in_process_app,
    kept_database,
    machine,
    record,
    require_loopback,
)


def server_seconds(database: str | None) -> float:
    """CPU seconds used so far by the PostgreSQL server processes serving `database` (their
    command line names it), as /proc tells; 0 for SQLite."""
    if database is None:
        return 0.0
    total = 0
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            command = (folder / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if command.startswith("postgres:") and f" {database} " in command:
                fields = (folder / "stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
        except OSError:  # a process that ended meanwhile
            continue
    return total / os.sysconf("SC_CLK_TCK")


def timed(action, repeat: int, database: str | None = None) -> tuple[float, float, float]:
    """Median wall, CPU of this process and CPU of the database server, in seconds."""
    walls, cpus, servers = [], [], []
    for _ in range(repeat):
        started, cpu, server = time.perf_counter(), time.process_time(), server_seconds(database)
        action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        servers.append(server_seconds(database) - server)
    return median(walls), median(cpus), median(servers)


def measure(env: dict, url: str, repeat: int) -> list[tuple[str, tuple[float, float]]]:
    from sqlalchemy import make_url, select

    from storefront.clock import vietnam_today
    from storefront.extensions import cache, db
    from storefront.plans.members import MemberFilters, members_page
    from storefront.plans.models import Plan, PlanIndicator
    from storefront.plans.services import indicator_months, plan_dashboard, plan_scope

    app = in_process_app(env, url)
    with app.app_context():
        year = vietnam_today().year
        # Kept in the kept database: a second national plan with a growth target would give
        # the growth report's products two targets.
        plan = db.session.scalar(select(Plan).where(Plan.name == "Bench: national plan"))
        if plan is None:
            plan = Plan(name="Bench: national plan", area=None, first_year=year - 4, last_year=year, targets=[
                PlanIndicator(indicator=code, low=low) for code, low in
                (("certified", 16000), ("four_star", 2000), ("cooperative_share", 40), ("growth_ratio", 1.5))])
            db.session.add(plan)
            db.session.commit()

        def worked_out(action):
            def run():
                cache.clear()
                action()
            return run

        def dashboard(every_indicator: bool):
            return lambda: plan_dashboard(plan, every_indicator=every_indicator)

        def chart(code: str):
            return lambda: indicator_months(plan, code)

        database = None if url.startswith("sqlite") else make_url(url).database
        plan_dashboard(plan)  # every measure kept, for the kept figures
        chart("certified")()
        chart("growth_ratio")()
        figures = [(name, timed(action, repeat, database)) for name, action in (
            ("dashboard kept, the plan's 4 targets", dashboard(False)),
            ("dashboard kept, all 17 indicators", dashboard(True)),
            ("dashboard worked out, the plan's 4 targets", worked_out(dashboard(False))),
            ("dashboard worked out, all 17 indicators", worked_out(dashboard(True))),
            ("list behind 'certified', first page",
             lambda: members_page("certified", plan_scope(plan), MemberFilters(), None)),
            ("trend chart of 'certified', 60 months, kept", chart("certified")),
            ("trend chart of 'certified', 60 months, worked out", worked_out(chart("certified"))),
            ("trend chart of the growth indicator, 60 months, kept", chart("growth_ratio")),
            ("trend chart of the growth indicator, 60 months, worked out", worked_out(chart("growth_ratio"))),
        )]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="seed the kept database again")
    database_arguments(parser, "postgresql://postgres@127.0.0.1:5432/ocop_bench_plans")
    args = parser.parse_args()
    lines = [machine()]
    for database in args.databases:
        if database == "postgresql":
            require_loopback(args.database_url)
        env, url = kept_database("plans", database, args.products, args.sales, args.database_url, args.fresh)
        label = f"{database_label(database, url)}, {args.products:,} products, {args.sales:,} sale lines"
        lines.append(f"{label}, median of {args.repeat}:")
        for name, (seconds, cpu, server) in measure(env, url, args.repeat):
            server_cpu = "" if database == "sqlite" else f", of the server {server:.2f} s"
            lines.append(f"  {name}: {seconds:.2f} s (CPU of the process {cpu:.2f} s{server_cpu})")
            print(label, name, f"{seconds:.2f} s, CPU {cpu:.2f} s{server_cpu}", flush=True)
        lines.append(f"  load at the end: {os.getloadavg()[0]:.1f}")
    if not args.no_record:
        record("Plan dashboard", datetime.now().strftime("%Y-%m-%d %H:%M"), lines)


if __name__ == "__main__":
    main()
