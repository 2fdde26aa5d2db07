"""Sending email: by SMTP when MAIL_SERVER is set, otherwise written to the log (development,
tests), so a shop without a mail server still shows what it would have sent."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app, has_request_context, url_for

SMTP_TIMEOUT_SECONDS = 10


def external_url(endpoint: str, **values) -> str:
    """A full link for a message, also from commands run outside a request (at PUBLIC_URL)."""
    if has_request_context():
        return url_for(endpoint, **values, _external=True)
    with current_app.test_request_context(base_url=current_app.config.get("PUBLIC_URL") or None):
        return url_for(endpoint, **values, _external=True)


def new_message(*, to_name: str, to_email: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = formataddr((to_name, to_email))
    message.set_content(body)
    return message


def deliver(message: EmailMessage) -> None:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        current_app.logger.info(
            "Email not sent (MAIL_SERVER is not set)\nTo: %s\nSubject: %s\n\n%s",
            message["To"], message["Subject"], message.get_content(),
        )
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
