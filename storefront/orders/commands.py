"""`flask orders expire`: what a scheduler (cron) runs, and what an operator runs by hand after
an outage; nothing depends on it running on time (an order's page expires it when it is due)."""
import click
from flask.cli import AppGroup

from storefront.orders.services import expire_orders

orders_cli = AppGroup("orders", help="Online orders.")


@orders_cli.command("expire")
def expire_command() -> None:
    """Release the stock of unpaid orders whose reservation has run out."""
    numbers = expire_orders()
    for number in numbers:
        click.echo(f"{number}: expired")
    click.echo(f"{len(numbers)} order(s) expired.")
