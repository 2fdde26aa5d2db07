"""`flask search …`: maintaining the product search index."""
import time

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.search.index import current_index, rebuild

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
    if missing := current_index().missing_fields():
        click.echo(f"The index was built with an older schema (it lacks {', '.join(missing)}): "
                   "run `flask search reindex`.", err=True)


def reindex_with_progress() -> None:
    if missing := current_index().missing_fields():
        click.echo(f"The live index was built with an older schema (it lacks {', '.join(missing)}): "
                   "replacing it with one of the current schema.")
    total = db.session.scalar(select(func.count(Product.id)))
    started = time.perf_counter()
    with click.progressbar(length=total, label="Indexing products") as bar:
        indexed = rebuild(progress=bar.update)
    click.echo(f"Indexed {indexed} products in {time.perf_counter() - started:.1f} s.")
