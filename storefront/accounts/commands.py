import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from storefront.accounts.models import ROLES
from storefront.accounts.services import AccountError, create_user
from storefront.audit.services import record_change, snapshot
from storefront.outlets.services import OutletError, assign_outlets

users_cli = AppGroup("users", help="Manage user accounts.")


def read_password() -> str:
    """One line from standard input; typed at a terminal, it is hidden and asked twice."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(ROLES), default="customer", show_default=True)
@click.option("--name", default="")
@click.option(
    "--outlet", "outlet_codes", multiple=True, metavar="CODE",
    help="Code of an outlet this manager runs; repeat for several.",
)
def create_command(email: str, role: str, name: str, outlet_codes: tuple[str, ...]) -> None:
    """Create a user; the password is read from standard input."""
    password = read_password()
    try:
        user = create_user(email=email, password=password, role=role, name=name, commit=False)
        # The audit log names no person for what a command did.
        record_change(actor=None, record=user, action="create", after=snapshot(user, ("email", "name", "role")),
                      label=user.email)
        # Commits the user, its outlet links and their audit entries together: an unknown outlet
        # code creates nothing.
        outlets = assign_outlets(user=user, codes=list(outlet_codes))
    except (AccountError, OutletError) as error:
        with force_locale("en"):  # like the rest of this command's output
            message = str(error)
        raise click.ClickException(message) from error
    click.echo(f"Created {user.role} {user.email}")
    if outlets:
        click.echo(f"Runs {', '.join(outlet.code for outlet in outlets)}")
    elif user.role == "manager":
        click.echo("Warning: this manager runs no outlet yet; add one with --outlet CODE.", err=True)
