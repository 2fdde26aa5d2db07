"""The plan dashboard for the whole country at bench scale: every indicator of a national plan
(value, value at the period's start, the growth report's verdict), as /admin/dashboard and
/api/v1/plans/<id>/dashboard compute it, and one indicator's list page.

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


def timed(action, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return median(samples)


def measure(env: dict, url: str, repeat: int) -> list[tuple[str, float]]:
    from storefront.clock import vietnam_today
    from storefront.extensions import db
    from storefront.plans.members import MemberFilters, members_page
    from storefront.plans.models import Plan, PlanIndicator
    from storefront.plans.services import plan_dashboard, plan_scope

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
            for name, seconds in measure(env, url, args.repeat):
                lines.append(f"  {name}: {seconds:.2f} s")
                print(label, name, f"{seconds:.2f} s")
    if not args.no_record:
        record("Plan dashboard", datetime.now().strftime("%Y-%m-%d %H:%M"), lines)


if __name__ == "__main__":
    main()
