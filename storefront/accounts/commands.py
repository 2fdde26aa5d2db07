import sys

import click
from flask.cli import AppGroup

from storefront.accounts.models import ROLES
from storefront.accounts.services import AccountError, create_user

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), default="customer", show_default=True)
@click.option("--name", default="")
def create_command(email: str, role: str, name: str) -> None:
    """Create a user; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\n")
    try:
        user = create_user(email=email, password=password, role=role, name=name)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Created {user.role} {user.email}")
