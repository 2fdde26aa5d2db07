"""`flask search …`: maintaining the product search index."""
import time

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.search.index import rebuild

search_cli = AppGroup("search", help="Maintain the product search index.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from every product in the database."""
    reindex_with_progress()


def reindex_with_progress() -> None:
    total = db.session.scalar(select(func.count(Product.id)))
    started = time.perf_counter()
    with click.progressbar(length=total, label="Indexing products") as bar:
        indexed = rebuild(progress=bar.update)
    click.echo(f"Indexed {indexed} products in {time.perf_counter() - started:.1f} s.")
