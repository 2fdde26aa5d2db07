"""Email: messages are written to an outbox in the transaction that causes them and delivered
by `flask mail send` (services.py), never by SMTP inside a request."""
