"""Every page carries the security headers; private pages are never cached; gunicorn does not
name itself."""
import runpy

import pytest

from config import TestConfig
from storefront import create_app

pytestmark = pytest.mark.usefixtures("in_english")


def test_a_public_page_has_the_security_headers_and_may_be_cached(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self' https://js.stripe.com" in policy and "https://tile.openstreetmap.org" in policy
    assert "'unsafe-inline'" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # only in production
    assert response.headers.get("Cache-Control") != "no-store"


@pytest.mark.parametrize("role, url", [
    (None, "/login"), ("customer", "/orders"), ("customer", "/cart"), ("manager", "/manage/"), ("staff", "/admin/"),
])
def test_private_pages_are_not_stored(client, login_as, role, url):
    if role:
        login_as(role)
    assert client.get(url).headers["Cache-Control"] == "no-store"


def test_production_sends_hsts(monkeypatch):
    class Production(TestConfig):
        APP_ENV = "production"

    response = create_app(Production).test_client().get("/lang/en", base_url="https://shop.example")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_gunicorn_does_not_name_itself(monkeypatch):
    from gunicorn.http import wsgi

    monkeypatch.setattr(wsgi.Response, "default_headers", wsgi.Response.default_headers)  # undone after
    runpy.run_path("gunicorn.conf.py")  # as gunicorn does when it starts

    class Request:
        version = (1, 1)
        method = "GET"

        def should_close(self):
            return False

    response = wsgi.Response(Request(), sock=None, cfg=None)
    response.status, response.status_code = "200 OK", 200
    assert not any(header.lower().startswith("server:") for header in response.default_headers())
