"""`flask reports …`: the growth report as a file, for scripts and scheduled jobs."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from storefront.reports.exports import growth_csv, growth_xlsx
from storefront.reports.services import growth_report, parse_report_filters

reports_cli = AppGroup("reports", help="The programme's reports.")


@reports_cli.command("growth")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="The file to write.")
@click.option("--area", help="Official code of a province or district.")
@click.option("--group", help="Product group, e.g. food.")
@click.option("--stars", help="Certified stars: 3, 4 or 5.")
@click.option("--year", help="Year of first certification.")
@click.option("--kind", help="Producer kind, e.g. cooperative.")
def growth_command(file_format: str, out: Path, **options: str | None) -> None:
    """Write the 1.5× growth report (the same rows and figures as /admin/reports/growth)."""
    filters, notices = parse_report_filters({name: value for name, value in options.items() if value})
    if notices:  # a script must not get a wider report than it asked for
        raise click.UsageError(" ".join(notices))
    report = growth_report(filters, default_target=current_app.config["GROWTH_TARGET_DEFAULT"])
    out.write_bytes(growth_csv(report.rows) if file_format == "csv" else growth_xlsx(report.rows))
    click.echo(f"Wrote {len(report.rows)} products to {out}.")
