"""`make bench`: every figure of issue 13 on this machine in one run, each beside its goal.

    .venv/bin/python bench/all.py [--postgres postgresql://postgres@127.0.0.1:5432/ocop_bench]

Runs in turn, each recording its figures in bench/RESULTS.md with the date and the machine:
- bench/catalogue.py at 100,000 products: reindex time, search latency, uncached renders, and
  each stored catalogue page under gunicorn beside the minimal Flask page;
- bench/checkout.py on PostgreSQL: checkout rate beside the minimal page, the race for the last
  units (its database is <postgres>);
- bench/growth.py at 150,000 products and 1,000,000 sale lines on SQLite and PostgreSQL (a report
  of about 100,000 rows): pages beside the bare aggregate, and the downloads of every row. That
  scale keeps the whole run near 20 minutes on a quiet machine (10,000,000 lines, the growth
  issue's own scale, take that long to seed alone); its databases are kept under bench/out and
  as <postgres>_growth_150000_1000000, so only the first run seeds them.
Then the goal of every line again, together.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, goal  # noqa: E402

CHECKOUT_GOAL_RATIO = 0.1  # requests/s of whole purchases over the minimal page's
GROWTH_SCALE = ["--products", "150000", "--lines", "1000000", "--export-products", "150000",
                "--export-lines", "1000000"]


def run(arguments: list[str]) -> list[str]:
    """Run one bench script, its output shown as it comes; return its lines."""
    process = subprocess.Popen([sys.executable, *arguments], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = []
    for line in process.stdout:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
    if process.wait():
        lines.append(f"{arguments[0]} failed (exit status {process.returncode})")
        print(lines[-1], flush=True)
    return lines


def checkout_goal(lines: list[str]) -> str:
    """bench/checkout.py gives the ratio; its goal is issue 13's."""
    found = next((re.search(r"([\d.]+) × minimal page", line) for line in lines if line.startswith("checkout")), None)
    if found is None:
        return f"checkout: no rate found · {goal(f'≥ {CHECKOUT_GOAL_RATIO}× minimal page', False)}"
    ratio = float(found.group(1))
    return f"checkout: {ratio:.3f} × minimal page · {goal(f'≥ {CHECKOUT_GOAL_RATIO}×', ratio >= CHECKOUT_GOAL_RATIO)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/ocop_bench",
                        help="scratch PostgreSQL database of the checkout bench; the growth bench's are named after it")
    args = parser.parse_args()

    lines = run(["bench/catalogue.py", "--sizes", "100000"])
    checkout = run(["bench/checkout.py", "--database-url", args.postgres])
    print(checkout_goal(checkout), flush=True)
    lines += checkout + [checkout_goal(checkout)]
    lines += run(["bench/growth.py", *GROWTH_SCALE, "--database-url", f"{args.postgres}_growth"])
    print("\n# goals", *(line for line in lines if "goal " in line or "failed" in line or "FAILED" in line), sep="\n")


if __name__ == "__main__":
    main()
