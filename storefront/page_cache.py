"""Whole catalogue pages for visitors who are not logged in (most of the traffic), kept in
Flask-Caching under the page's URL, the language, the catalogue version and the Vietnamese day
(certificates expire by the calendar); a product page's key also carries its stock.

A stored page is answered by the app's first before_request hook, ahead of the login, limiter
and language machinery: one query for the version and the bytes. Only visitors whose session
holds nothing of their own (no login, no cart, no flashed message) are served from or stored in
the cache, so nobody sees another's cart, messages or account; the one per-visitor part such a
page has, the CSRF token of the add-to-cart form, is stored as a placeholder and filled per
visitor. Every stored page has a weak ETag, so a revisit costs a 304 (storefront.revalidation);
pages without a token are stored with their Brotli and gzip copies, compressed once
(storefront.compression).
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.catalog.versions import current_version
from storefront.clock import vietnam_today
from storefront.compression import encode_once, send_encoded
from storefront.extensions import cache, db
from storefront.i18n import select_locale
from storefront.outlets.models import StockLevel
from storefront.revalidation import PUBLIC_ENDPOINTS as CACHED_ENDPOINTS, conditional, csrf_token, digest

# Pages showing one product's availability: stock is not in the catalogue version.
STOCKED_ENDPOINTS = frozenset({"catalog.product_detail", "api.product"})
# What a visitor's session may hold and still get the shared page: Flask-WTF's CSRF secret
# and Flask-Login's freshness mark for visitors who are not logged in.
SHARED_SESSION_KEYS = frozenset({"csrf_token", "_fresh"})
CSRF_PLACEHOLDER = b"\x00csrf-token\x00"
KEY_ATTRIBUTE = "page_cache_key"


def visitor_has_nothing_of_their_own() -> bool:
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return remember_cookie not in request.cookies and set(session) <= SHARED_SESSION_KEYS


def page_key() -> str | None:
    if (request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS
            or not visitor_has_nothing_of_their_own()):
        return None
    with db.engine.connect() as connection:
        parts = [str(current_version(connection)), vietnam_today().isoformat(), select_locale()]
        if request.endpoint in STOCKED_ENDPOINTS:
            parts.append(stock_signature(connection, request.view_args["slug"]))
    return "page2:" + ":".join(parts) + ":" + digest(request.full_path.encode())


def stock_signature(connection, slug: str) -> str:
    rows = connection.execute(
        select(StockLevel.outlet_id, StockLevel.on_hand, StockLevel.reserved)
        .join(Product, Product.id == StockLevel.product_id)
        .where(Product.slug == slug[:160])
        .order_by(StockLevel.outlet_id)
    ).all()
    return digest(repr([tuple(row) for row in rows]).encode())


def serve_cached_page() -> Response | None:
    """The first before_request hook: the stored page, or None to render it (and store it)."""
    key = page_key()
    if key is None:
        return None
    stored = cache.get(key)
    if stored is None:
        setattr(g, KEY_ATTRIBUTE, key)
        return None
    content_type, body, page_digest, encoded = stored
    holds_token = CSRF_PLACEHOLDER in body
    response = conditional(current_app.response_class(body, content_type=content_type), page_digest,
                           holds_token=holds_token)
    if response.status_code != 200:  # 304: the browser's copy will do
        return response
    if holds_token:  # a page with a form: this visitor's own CSRF token in it
        response.set_data(body.replace(CSRF_PLACEHOLDER, generate_csrf().encode()))
    return send_encoded(response, encoded)


def store_page(response: Response) -> Response:
    """The last after_request hook: keep a rendered page that is the same for every such visitor."""
    key = g.pop(KEY_ATTRIBUTE, None)
    if (key is None or response.status_code != 200 or response.direct_passthrough
            or not visitor_has_nothing_of_their_own()):
        return response
    body = response.get_data()
    if token := csrf_token():  # rendered in a form: stored as a placeholder, filled for each visitor
        body = body.replace(token.encode(), CSRF_PLACEHOLDER)
    holds_token = CSRF_PLACEHOLDER in body
    # Compressed once here; a page with a token is compressed per visitor (storefront.compression).
    encoded = {} if holds_token else encode_once(body)
    page_digest = digest(body)
    cache.set(key, (response.content_type, body, page_digest, encoded))
    return conditional(response, page_digest, holds_token=holds_token)


def init_app(app: Flask) -> None:
    """Called before any other extension registers its hooks: the first before_request hook
    runs first, and the first after_request hook last (after the security headers)."""
    if app.config["PAGE_CACHE"]:
        app.before_request(serve_cached_page)
        app.after_request(store_page)
