"""Gunicorn reads this file from the working directory: `.venv/bin/gunicorn 'storefront:create_app()'`."""
from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def default_headers_without_server(self):
    """Gunicorn names itself and its version in a Server header on every response; a probe needs
    no help choosing its exploits."""
    return [header for header in _default_headers(self) if not header.lower().startswith("server:")]


wsgi.Response.default_headers = default_headers_without_server
