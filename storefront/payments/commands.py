"""`flask payments reconcile`: what a scheduler (cron) runs, and what an operator runs by hand
after an outage; nothing depends on it running on time."""
import click
from flask.cli import AppGroup

from storefront.payments.services import reconcile_payments, stripe_enabled

payments_cli = AppGroup("payments", help="Card payments through Stripe.")


@payments_cli.command("reconcile")
@click.pass_context
def reconcile_command(ctx: click.Context) -> None:
    """Ask Stripe about card orders still waiting for payment and apply what it says."""
    if not stripe_enabled():
        click.echo("Stripe keys are not configured: nothing to reconcile.")
        return
    results = reconcile_payments()
    for result in results:
        click.echo(f"{result.number}: {result.outcome}", err=result.outcome.startswith("error"))
    errors = sum(result.outcome.startswith("error") for result in results)
    click.echo(f"{len(results) - errors} order(s) changed, {errors} error(s).")
    if errors:
        ctx.exit(1)
