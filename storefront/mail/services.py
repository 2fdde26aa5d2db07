"""Sending email through the outbox. A message is written in the transaction of the change that
causes it (queue_message); `flask mail send`, run from cron, delivers what is due by SMTP
(MAIL_SERVER). A slow or absent mail server never slows a request and loses nothing: a failed
message is tried again later, up to MAX_ATTEMPTS times. Without MAIL_SERVER (development,
tests) a message is written to the log as soon as its transaction commits."""
from __future__ import annotations

import smtplib
from collections import Counter
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from functools import partial

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storefront.clock import utcnow
from storefront.extensions import db
from storefront.mail.models import FAILED, PENDING, SENT, OutboxMessage
from storefront.transactions import on_commit

SMTP_TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 12  # over about 16 hours (retry_delay): a mail server down for a night is waited for
HOLD = timedelta(minutes=10)  # a sender's claim on a message; if it dies, another sender takes it then
KEEP_SENT = timedelta(days=30)  # to answer "did my message go out?"; then deleted (links in it expire)


def external_url(endpoint: str, **values) -> str:
    """A full link for a message, also from commands run outside a request (at PUBLIC_URL)."""
    if has_request_context():
        return url_for(endpoint, **values, _external=True)
    with current_app.test_request_context(base_url=current_app.config.get("PUBLIC_URL") or None):
        return url_for(endpoint, **values, _external=True)


def queue_message(*, kind: str, to_name: str, to_email: str, subject: str, template: str,
                  session: Session | None = None, **context) -> None:
    """Write a message to the outbox in the caller's transaction, its body rendered from
    templates/mail/ in the locale in force (the recipient's). Without the pages' context
    processors: a message is also written outside any request, and needs none of it."""
    session = session if session is not None else db.session()
    body = current_app.jinja_env.get_template(template).render(**context)
    message = OutboxMessage(kind=kind, to_name=to_name, to_email=to_email, subject=subject, body=body)
    if not current_app.config["MAIL_SERVER"]:
        # Writing to the log neither fails nor waits: done once the transaction has committed,
        # and the message is kept as sent. From these values, not the row the commit expires.
        message.status, message.attempts, message.sent_at = SENT, 1, utcnow()
        on_commit(partial(log_unsent, to_name, to_email, subject, body), session)
    session.add(message)


# Delivering


def send_due_messages() -> Counter:
    """Deliver every pending message that is due, one at a time, each in its own transactions
    (no SMTP conversation holds a transaction open). Several senders may run at once: each
    claims a message before sending it. Returns how many were sent, failed or given up."""
    outcome: Counter = Counter()
    started = utcnow()
    with Session(db.engine) as session:
        while (message := claim_next(session, due_by=started)) is not None:
            try:
                deliver(message)
            except Exception as error:
                outcome[record_failure(message, error)] += 1
            else:
                message.status, message.sent_at = SENT, utcnow()
                outcome[SENT] += 1
            session.commit()
    return outcome


def claim_next(session: Session, *, due_by: datetime) -> OutboxMessage | None:
    """The oldest due message, held for this sender for HOLD. SKIP LOCKED lets PostgreSQL's
    senders pass each other's candidates; the conditional UPDATE is the claim itself (SQLite
    has no row locks: of two senders that read the same row, only one updates it)."""
    while True:
        candidate = session.scalar(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= due_by)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if candidate is None:
            session.rollback()
            return None
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == candidate, OutboxMessage.status == PENDING,
                   OutboxMessage.next_attempt_at <= due_by)
            .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=utcnow() + HOLD)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        if claimed:
            return session.get(OutboxMessage, candidate)


def record_failure(message: OutboxMessage, error: Exception) -> str:
    message.last_error = f"{type(error).__name__}: {error}"[:500]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = FAILED
    else:
        message.next_attempt_at = utcnow() + retry_delay(message.attempts)
    current_app.logger.warning("Could not send message %s (%s) to %s, attempt %s: %s", message.id, message.kind,
                               message.to_email, message.attempts, message.last_error)
    return message.status


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4… minutes after each failure, at most four hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 240))


def email_of(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = formataddr((message.to_name, message.to_email))
    email.set_content(message.body)
    return email


def deliver(message: OutboxMessage) -> None:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        log_unsent(message.to_name, message.to_email, message.subject, message.body)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email_of(message))


def log_unsent(to_name: str, to_email: str, subject: str, body: str) -> None:
    """Development and tests: the message, as it would have gone out, in the log. Without an
    EmailMessage (parsing its headers cost more than rendering the message)."""
    current_app.logger.info(
        "Email not sent (MAIL_SERVER is not set)\nTo: %s\nSubject: %s\n\n%s",
        f"{to_name} <{to_email}>" if to_name else to_email, subject, body,
    )


# Keeping the outbox


def retry_given_up() -> int:
    """Messages given up on go out again with the next run (once the mail server is fixed)."""
    with Session(db.engine) as session, session.begin():
        return session.execute(
            update(OutboxMessage).where(OutboxMessage.status == FAILED)
            .values(status=PENDING, attempts=0, next_attempt_at=utcnow())
        ).rowcount


def delete_old_sent() -> int:
    with Session(db.engine) as session, session.begin():
        return session.execute(
            delete(OutboxMessage).where(OutboxMessage.status == SENT, OutboxMessage.sent_at < utcnow() - KEEP_SENT)
        ).rowcount


def waiting_count() -> int:
    with Session(db.engine) as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == PENDING)) or 0
