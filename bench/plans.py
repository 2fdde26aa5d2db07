"""The plan dashboard for the whole country at bench scale: every indicator of a national plan
(value, value at the period's start, the growth report's verdict), as /admin/dashboard and
/api/v1/plans/<id>/dashboard compute it, one indicator's list page and its trend chart.

Each figure is wall time and, beside it, the CPU time of this process: SQLite runs in it, so
on SQLite that is the work itself, whatever else loads the machine (on PostgreSQL the
server's work is not in it).

    .venv/bin/python bench/plans.py [--products 100000] [--sales 1000000] [--repeat 3]
                                    [--databases sqlite postgresql] [--no-record]
                                    [--database-url postgresql://postgres@127.0.0.1:5432/ocop_bench_plans]

A scratch database per run (`flask seed synthetic --products P --sales N --seed 1 --no-index`),
then in process the median of --repeat runs. Figures go to stdout and, under "Plan dashboard",
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
    flask,
    in_process_app,
    machine,
    record,
    require_loopback,
    scratch_database,
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
    from storefront.clock import vietnam_today
    from storefront.extensions import db
    from storefront.plans.members import MemberFilters, members_page
    from storefront.plans.models import Plan, PlanIndicator
    from storefront.plans.services import indicator_months, plan_dashboard, plan_scope

    app = in_process_app(env, url)
    with app.app_context():
        year = vietnam_today().year
        plan = Plan(name="Bench: national plan", area=None, first_year=year - 4, last_year=year, targets=[
            PlanIndicator(indicator=code, low=low) for code, low in
            (("certified", 16000), ("four_star", 2000), ("cooperative_share", 40), ("growth_ratio", 1.5))])
        db.session.add(plan)
        db.session.commit()
        figures = [
            ("dashboard, the plan's 4 targets", timed(lambda: plan_dashboard(plan, every_indicator=False), repeat)),
            ("dashboard, all 17 indicators", timed(lambda: plan_dashboard(plan), repeat)),
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
    database_arguments(parser, "postgresql://postgres@127.0.0.1:5432/ocop_bench_plans")
    args = parser.parse_args()
    lines = [machine()]
    for database in args.databases:
        if database == "postgresql":
            require_loopback(args.database_url)
        with scratch_database(f"plans-{database}", database, args.database_url) as (env, url):
            seeded = flask(env, "seed", "synthetic", "--products", str(args.products), "--sales", str(args.sales),
                           "--seed", "1", "--no-index")
            label = f"{database_label(database, url)}, {args.products:,} products, {args.sales:,} sale lines"
            lines.append(f"{label} (seed {seeded:.0f} s), median of {args.repeat}:")
            for name, (seconds, cpu) in measure(env, url, args.repeat):
                lines.append(f"  {name}: {seconds:.2f} s (CPU of the process {cpu:.2f} s)")
                print(label, name, f"{seconds:.2f} s, CPU {cpu:.2f} s")
    if not args.no_record:
        record("Plan dashboard", datetime.now().strftime("%Y-%m-%d %H:%M"), lines)


if __name__ == "__main__":
    main()
