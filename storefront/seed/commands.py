"""`flask seed …`: demo data for trying the shop, synthetic data for benches."""
import time

import click
from flask.cli import AppGroup
from sqlalchemy import select, text

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.search.commands import reindex_with_progress
from storefront.seed.demo import SeedError, describe, seed_demo
from storefront.seed.synthetic import seed_synthetic

seed_cli = AppGroup(
    "seed",
    help="Fill the database: `demo` for a believable shop, `synthetic` for bench-scale data.",
)


def finish(*, index: bool = True) -> None:
    """Refresh the planner's statistics (bulk loads skew them) and the search index. On
    PostgreSQL, VACUUM too: until it marks the new pages all-visible, reading sums from an
    index still visits the table for every row (the growth report: 25 s instead of 1 s)."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    if index:
        reindex_with_progress()


@seed_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if products exist.")
def demo(if_empty: bool) -> None:
    """Seed the demo catalogue, sales points, stock and demo accounts (empty database only)."""
    if if_empty and db.session.scalar(select(Product.id).limit(1)) is not None:
        click.echo("Database already has products; demo seed skipped.")
        return
    started = time.perf_counter()
    try:
        result = seed_demo()
    except SeedError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Demo data seeded in {time.perf_counter() - started:.1f} s:")
    for line in describe(result):
        click.echo(line)
    finish()


@seed_cli.command("synthetic")
@click.option("--products", type=click.IntRange(min=1), required=True, help="How many products.")
@click.option("--sales", type=click.IntRange(min=0), default=0, show_default=True,
              help="How many sale lines, over the certified products and the last 24 months.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              help="Random seed; the same seed gives the same data.")
@click.option("--no-index", is_flag=True, help="Skip rebuilding the search index afterwards.")
def synthetic(products: int, sales: int, seed: int, no_index: bool) -> None:
    """Seed bench-scale synthetic data, codes prefixed syn<seed>-: products with their areas,
    producers, evaluations and one sales point per district; with --sales, that many sale
    lines spread over the certified products and the last 24 months (a million take
    under a minute on SQLite); and pre-OCOP baselines for most certified products."""
    started = time.perf_counter()
    try:
        label = "Inserting products and sale lines" if sales else "Inserting products"
        with click.progressbar(length=products + sales, label=label) as bar:
            result = seed_synthetic(products=products, seed=seed, sales=sales, progress=bar.update)
    except SeedError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Seeded {result['products']} products, {result['producers']} producers, "
        f"{result['evaluations']} evaluations ({result['certified']} 3★+), {result['outlets']} sales points, "
        f"{result['sale_lines']} sale lines and {result['baselines']} baselines with prefix "
        f"{result['prefix']} in {time.perf_counter() - started:.1f} s."
    )
    if sales and not result["sale_lines"]:
        click.echo("No product was certified 3★ or more, so no sale lines were written.")
    finish(index=not no_index)
