"""Security headers on every response (Flask-Talisman): a Content-Security-Policy that allows
only this site's own scripts and styles plus Stripe.js and the map tiles (MAP_TILE_URL) by name, no framing,
a Referrer-Policy, HSTS in production; and pages about one person's account, orders, outlet or
the back office are never stored by a browser or proxy cache."""
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_talisman import Talisman

PRIVATE_BLUEPRINTS = {"accounts", "orders", "manage", "admin", "payments"}


def origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def tile_source(url_template: str) -> str | None:
    """The CSP source of a Leaflet tile URL: https://{s}.tile.example.org/{z}/{x}/{y}.png
    is https://*.tile.example.org."""
    return origin(url_template.replace("{s}", "*"))


def content_security_policy(config) -> dict[str, list[str]]:
    return policy_for(config["STRIPE_JS_URL"], config["STRIPE_API_BASE"], config["MAP_TILE_URL"])


@lru_cache(maxsize=16)
def policy_for(stripe_js_url: str, stripe_api_base: str, map_tile_url: str) -> dict[str, list[str]]:
    """Made once per value of the settings: Talisman reads the policy four times a response."""
    stripe = [host for host in (origin(stripe_js_url), origin(stripe_api_base)) if host]
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'", *stripe],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *filter(None, [tile_source(map_tile_url)])],
        "connect-src": ["'self'", "https://api.stripe.com", *stripe],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com", *stripe],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


class Headers(Talisman):
    """One per app, its policy read from the app's settings at each request (the Stripe.js
    address may be set after start, as the tests do with localstripe's)."""

    @property
    def content_security_policy(self) -> dict[str, list[str]]:
        return content_security_policy(current_app.config)

    @content_security_policy.setter
    def content_security_policy(self, _policy) -> None:
        pass  # Talisman's init_app stores the one it was given; ours is computed


def no_store_private_pages(response):
    if request.blueprint in PRIVATE_BLUEPRINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    production = app.config["APP_ENV"] == "production"
    app.extensions["security_headers"] = Headers(
        app,
        force_https=False,  # the proxy in front terminates HTTPS and redirects (README)
        strict_transport_security=production,
        session_cookie_secure=production,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        content_security_policy=True,  # see Headers
    )
    app.after_request(no_store_private_pages)
