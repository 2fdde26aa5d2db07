"""`flask search …`: maintaining the product search index."""
import time
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.search.index import current_index, prune_change_log, rebuild

search_cli = AppGroup("search", help="Maintain the product search index.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Build a new search index from every product beside the live one, then swap it in."""
    reindex_with_progress()


@search_cli.command("sync")
def sync_command() -> None:
    """Apply the search change log past this index folder's cursor (what any server changed)."""
    applied = current_index().sync(db.engine)
    click.echo(f"Applied {applied} changes.")
    if current_index().missed_changes():
        click.echo("This index missed changes pruned from the change log (its server was away longer "
                   "than SEARCH_CHANGE_RETENTION_DAYS): rebuilding it.")
        reindex_with_progress()
    elif missing := current_index().missing_fields():
        click.echo(f"The index was built with an older schema (it lacks {', '.join(missing)}): "
                   "run `flask search reindex`.", err=True)


@search_cli.command("prune")
@click.option("--days", type=click.FloatRange(min=0), default=None,
              help="Keep this many days of the log (default SEARCH_CHANGE_RETENTION_DAYS).")
def prune_command(days: float | None) -> None:
    """Delete the search change log's rows older than the retention period; an index folder that
    had not applied them is rebuilt by its next `flask search sync`."""
    if days is None:
        days = current_app.config["SEARCH_CHANGE_RETENTION_DAYS"]
    deleted = prune_change_log(timedelta(days=days))
    click.echo(f"Deleted {deleted} change-log rows older than {days:g} days.")


def reindex_with_progress() -> None:
    if missing := current_index().missing_fields():
        click.echo(f"The live index was built with an older schema (it lacks {', '.join(missing)}): "
                   "replacing it with one of the current schema.")
    total = db.session.scalar(select(func.count(Product.id)))
    started = time.perf_counter()
    # The bar shows itself only in a terminal (click prints the label alone otherwise).
    with click.progressbar(length=total, label="Indexing products") as bar:

        def writing(procs: int) -> None:
            bar.label = f"Writing the index files ({procs} processes)"
            bar.render_progress()

        indexed = rebuild(progress=bar.update, writing=writing)
    click.echo(f"Indexed {indexed} products in {time.perf_counter() - started:.1f} s.")
