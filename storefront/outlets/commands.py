"""`flask stock …`: checking the stock ledger."""
import click
from flask.cli import AppGroup
from sqlalchemy import func

from storefront.extensions import db
from storefront.outlets.models import StockLevel
from storefront.outlets.services import check_stock

stock_cli = AppGroup("stock", help="Check outlet stock against its ledger of moves.")


@stock_cli.command("check")
@click.pass_context
def check_command(ctx: click.Context) -> None:
    """Recompute every stock level from its moves; exit 1 if any level differs."""
    differences = check_stock()
    for difference in differences:
        click.echo(
            f"{difference.outlet_code} {difference.product_code}: "
            f"on hand {difference.on_hand} (ledger {difference.on_hand_from_moves}), "
            f"reserved {difference.reserved} (ledger {difference.reserved_from_moves})"
        )
    if differences:
        click.echo(f"{len(differences)} stock level(s) differ from the ledger.", err=True)
        ctx.exit(1)
    levels = db.session.scalar(db.select(func.count()).select_from(StockLevel))
    click.echo(f"OK: {levels} stock level(s) match the ledger.")
