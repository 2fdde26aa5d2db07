"""The session cookie, signed as Flask signs it, by a serializer made once per set of keys.

Flask makes the signing serializer anew to read and again to write the cookie of every request:
about 5 µs each time, a fiftieth of a stored page's whole answer in process. The keys do not
change while a worker runs, and the serializer keeps nothing between calls.

A static file's answer carries no session cookie and no `Vary: Cookie`."""
from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer


class SessionCookie(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self.serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys not in self.serializers:
            self.serializers[keys] = super().get_signing_serializer(app)
        return self.serializers[keys]

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # A static file is the same for every visitor. Flask-Login reads the session after every
        # request, and a read adds `Vary: Cookie`: a shared cache would keep one copy per cookie.
        if request.endpoint == "static" and not session.modified:
            return
        super().save_session(app, session, response)
