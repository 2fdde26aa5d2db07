"""`flask mail send`: deliver the outbox, from cron every minute."""
import click
from flask.cli import AppGroup

from storefront.mail.models import FAILED, SENT
from storefront.mail.services import delete_old_sent, retry_given_up, send_due_messages, waiting_count

mail_cli = AppGroup("mail", help="Send the messages waiting in the outbox.")


@mail_cli.command("send")
@click.option("--retry-failed", is_flag=True,
              help="First put the messages given up on (after every retry failed) back in the queue.")
def send_command(retry_failed: bool) -> None:
    """Send the messages that are due (by SMTP, or to the log without MAIL_SERVER). A message the
    mail server refuses stays in the outbox and is tried again later, with a growing delay;
    several senders may run at once."""
    if retry_failed:
        click.echo(f"Put {messages(retry_given_up())} back in the queue.")
    outcome = send_due_messages()
    click.echo(f"Sent {messages(outcome[SENT])}; {outcome['pending']} failed and wait for a retry, "
               f"{outcome[FAILED]} given up; {waiting_count()} waiting.")
    delete_old_sent()
    if outcome["pending"] or outcome[FAILED]:
        raise SystemExit(1)  # cron mails the operator the output


def messages(count: int) -> str:
    """Commands speak English to the operator, like every other `flask` command."""
    return f"{count} message" if count == 1 else f"{count} messages"
