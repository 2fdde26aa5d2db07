"""`flask areas …`: the administrative map's changes (provinces merged, districts gone in 2025)."""
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import select

from storefront.catalog.areas import AreaError, replace_area
from storefront.catalog.models import Area
from storefront.extensions import db

areas_cli = AppGroup("areas", help="The administrative areas.")


@areas_cli.command("replace")
@click.argument("code")
@click.argument("successor_code")
@click.option("--from", "from_day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True,
              help="The first day the successor has it (YYYY-MM-DD), e.g. 2025-07-01.")
def replace(code: str, successor_code: str, from_day: datetime) -> None:
    """Mark the area CODE as taken over by SUCCESSOR_CODE from a day. Plans written before keep
    counting by CODE; plans, the coverage page and the growth report can count by today's areas."""
    area, successor = (db.session.scalar(select(Area).where(Area.code == wanted)) for wanted in (code, successor_code))
    if area is None or successor is None:
        raise click.ClickException(f"No area has the code {code if area is None else successor_code}.")
    try:
        replace_area(area=area, successor=successor, replaced_from=from_day.date())
    except AreaError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{area.name} is taken over by {successor.name} from {from_day:%Y-%m-%d}.")
