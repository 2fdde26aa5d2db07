"""`flask mail send`: deliver the outbox, from cron every minute."""
import click
from flask.cli import AppGroup
from flask_babel import ngettext

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
        requeued = retry_given_up()
        click.echo(ngettext("Put %(num)d message back in the queue.", "Put %(num)d messages back in the queue.",
                            requeued))
    outcome = send_due_messages()
    click.echo(ngettext("Sent %(num)d message; %(pending)d failed and wait for a retry, %(failed)d given up; "
                        "%(waiting)d waiting.",
                        "Sent %(num)d messages; %(pending)d failed and wait for a retry, %(failed)d given up; "
                        "%(waiting)d waiting.",
                        outcome[SENT], pending=outcome["pending"], failed=outcome[FAILED], waiting=waiting_count()))
    delete_old_sent()
    if outcome["pending"] or outcome[FAILED]:
        raise SystemExit(1)  # cron mails the operator the output
