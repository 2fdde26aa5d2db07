"""`flask reports …`: the growth report as a file, for scripts and scheduled jobs."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from storefront.reports.exports import growth_csv, write_growth_xlsx
from storefront.reports.services import all_growth_rows, parse_report_filters

reports_cli = AppGroup("reports", help="The programme's reports.")

GROWTH_RULES = """Write the 1.5× growth report: the same rows and figures as /admin/reports/growth.

\b
How each product is judged:
- C is the issue date of its first certificate of 3★ or more, also when that certificate was
  revoked later: revocation ends validity from its own date and does not move C. Revoked and
  expired certificates are shown on the row, with the stars at C beside the stars now.
- Year one is C to C + 12 months, in Vietnamese days. Platform revenue and profit are the
  sales ledger's amounts (and amounts less cost) of year one; a refund, return or void
  counts in the period of the sale it gives back, whatever the day it was made.
- Declared figures for year one weigh each calendar year's declaration by the days of year
  one in that year, in whole đồng. Both years declared: full; one: partial, no status.
- Target: the plan of the product's province for C's year, else the national plan of that
  year, else GROWTH_TARGET_DEFAULT.
- Status: not yet due (year one not over) / no baseline / no comparable baseline (baseline
  revenue or profit 0 or less: no growth can be measured against it) / meets (revenue and
  profit at least target × baseline) / below. It compares the declared figures where the
  declaration is full, otherwise the platform's sales, and every row names that basis.
  Comparisons are exact: value × 100 ≥ target in hundredths × baseline, in whole numbers.
"""


@reports_cli.command("growth", help=GROWTH_RULES)
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="The file to write.")
@click.option("--area", help="Official code of a province or district.")
@click.option("--areas", type=click.Choice(["today"]),
              help="With a province in --area: count it as it is today, with the provinces merged with it.")
@click.option("--group", help="Product group, e.g. food.")
@click.option("--stars", help="Stars now: 3, 4 or 5.")
@click.option("--first-stars", "first_stars", help="Stars at C, the first certification: 3, 4 or 5.")
@click.option("--year", help="Year of C, the first certification.")
@click.option("--kind", help="Producer kind, e.g. cooperative.")
@click.option("--basis", help="Only rows judged on this basis: declared or platform.")
def growth_command(file_format: str, out: Path, **options: str | None) -> None:
    filters, notices = parse_report_filters({name: value for name, value in options.items() if value})
    if notices:  # a script must not get a wider report than it asked for
        raise click.UsageError(" ".join(notices))
    rows = all_growth_rows(filters, default_target=current_app.config["GROWTH_TARGET_DEFAULT"])
    written = 0

    def counted(rows):
        nonlocal written
        for row in rows:
            written += 1
            yield row

    with out.open("wb") as file:
        if file_format == "csv":
            for chunk in growth_csv(counted(rows)):
                file.write(chunk)
        else:
            write_growth_xlsx(file, counted(rows))
    click.echo(f"Wrote {written} products to {out}.")
