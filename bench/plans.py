"""The plan dashboard for the whole country at bench scale: every indicator of a national plan
(value, value at the period's start, the growth report's verdict), as /admin/dashboard and
/api/v1/plans/<id>/dashboard compute it, one indicator's list page and its trend chart.

Each figure is wall time and, beside it, the CPU time of this process: SQLite runs in it, so
on SQLite that is the work itself, whatever else loads the machine (on PostgreSQL the
server's work is not in it).

    .venv/bin/python bench/plans.py [--products 100000] [--sales 1000000] [--repeat 3] [--fresh]
                                    [--databases sqlite postgresql] [--no-record]
                                    [--database-url postgresql://postgres@127.0.0.1:5432/ocop_bench_plans]

The scratch database is kept between runs (bench.common.kept_database: bench/out/plans-sqlite-P-N/,
or the PostgreSQL database <database-url>_P_N), seeded with `flask seed synthetic --products P
--sales N --seed 1 --no-index` when it does not hold exactly that; --fresh seeds it again. Then,
in process, the median of --repeat runs. The dashboard is timed worked out (the cache emptied
before each run) and kept (each indicator's measure from the cache, storefront.plans.kept). Figures go to stdout and, under "Plan dashboard",
to bench/RESULTS.md (not with --no-record).
"""
from __future__ import annotations

import argparse
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


def timed(action, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds."""
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return median(walls), median(cpus)


def measure(env: dict, url: str, repeat: int) -> list[tuple[str, tuple[float, float]]]:
    from sqlalchemy import select

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

        def worked_out(every_indicator: bool):
            cache.clear()
            plan_dashboard(plan, every_indicator=every_indicator)

        plan_dashboard(plan)  # every measure kept, for the kept figures
        figures = [
            ("dashboard kept, the plan's 4 targets", timed(lambda: plan_dashboard(plan, every_indicator=False), repeat)),
            ("dashboard kept, all 17 indicators", timed(lambda: plan_dashboard(plan), repeat)),
            ("dashboard worked out, the plan's 4 targets", timed(lambda: worked_out(False), repeat)),
            ("dashboard worked out, all 17 indicators", timed(lambda: worked_out(True), repeat)),
            ("list behind 'certified', first page", timed(
                lambda: members_page("certified", plan_scope(plan), MemberFilters(), None), repeat)),
            ("trend chart of 'certified', 60 months", timed(lambda: indicator_months(plan, "certified"), repeat)),
            ("trend chart of the growth indicator, 60 months", timed(
                lambda: indicator_months(plan, "growth_ratio"), repeat)),
        ]
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
        for name, (seconds, cpu) in measure(env, url, args.repeat):
            lines.append(f"  {name}: {seconds:.2f} s (CPU of the process {cpu:.2f} s)")
            print(label, name, f"{seconds:.2f} s, CPU {cpu:.2f} s", flush=True)
    if not args.no_record:
        record("Plan dashboard", datetime.now().strftime("%Y-%m-%d %H:%M"), lines)


if __name__ == "__main__":
    main()
