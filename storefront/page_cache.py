"""Whole catalogue pages for visitors who are not logged in (most of the traffic), kept in
Flask-Caching under the page's URL, the language, the catalogue version and the Vietnamese day
(certificates expire by the calendar); a product page's key also carries its stock.

A stored page is answered by the app's first before_request hook, ahead of the login, limiter
and language machinery: one query for the version and the bytes. Guests (not logged in, no
flashed message waiting) are served from and stored in the cache; logged-in visitors and
messages get pages of their own, so nobody sees another's messages or account. What differs
between guests is stored as placeholders and filled per visitor: the CSRF token of the
add-to-cart form, and the header's session links (their cart), stored as rendered for a guest
with nothing of their own and rendered again for a guest with a cart (their page is then marked
private). Every stored page has a weak ETag, so a revisit costs a 304 (storefront.revalidation);
pages the same for every such visitor are stored with their Brotli and gzip copies, compressed
once (storefront.compression).
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g, render_template, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.catalog.versions import current_version
from storefront.clock import vietnam_today
from storefront.compression import encode_once, send_encoded
from storefront.extensions import cache, db
from storefront.i18n import select_locale
from storefront.orders.access import VIEWED_ORDERS_KEY
from storefront.orders.cart import SESSION_KEY as CART_KEY
from storefront.outlets.models import StockLevel
from storefront.revalidation import PUBLIC_ENDPOINTS as CACHED_ENDPOINTS, conditional, csrf_token, digest

# Pages showing one product's availability: stock is not in the catalogue version.
STOCKED_ENDPOINTS = frozenset({"catalog.product_detail", "api.product"})
# What a visitor's session may hold and still get the shared page: Flask-WTF's CSRF secret
# and Flask-Login's freshness mark for visitors who are not logged in.
SHARED_SESSION_KEYS = frozenset({"csrf_token", "_fresh"})
# What else a guest's session may hold and still get the stored page: their cart (the header's
# count, filled in per visitor) and the orders they placed in this browser (no catalogue page
# shows them).
GUEST_SESSION_KEYS = SHARED_SESSION_KEYS | {CART_KEY, VIEWED_ORDERS_KEY}
CSRF_PLACEHOLDER = b"\x00csrf-token\x00"
SESSION_LINKS_PLACEHOLDER = "\x00session-links\x00"
SESSION_LINKS_TEMPLATE = "_session_links.html"
KEY_ATTRIBUTE, LINKS_ATTRIBUTE = "page_cache_key", "page_cache_session_links"


def visitor_has_nothing_of_their_own() -> bool:
    return not logged_in_or_remembered() and set(session) <= SHARED_SESSION_KEYS


def visitor_is_a_guest() -> bool:
    """Not logged in and no flashed message waiting: the stored page will do, with their links."""
    return not logged_in_or_remembered() and set(session) <= GUEST_SESSION_KEYS


def logged_in_or_remembered() -> bool:
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return remember_cookie in request.cookies


def session_links(caller) -> Markup:
    """base.html's `{% call session_links() %}` around the header's session links: in a page that
    is to be stored, a placeholder (the links as rendered kept aside), filled in as it is sent."""
    links = caller()
    if g.get(KEY_ATTRIBUTE) is None:
        return links
    setattr(g, LINKS_ATTRIBUTE, str(links))
    return Markup(SESSION_LINKS_PLACEHOLDER)


def page_key() -> str | None:
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS or not visitor_is_a_guest():
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
    content_type, body, page_digest, encoded, shared_links = stored
    personal = False
    if SESSION_LINKS_PLACEHOLDER.encode() in body:
        personal = not visitor_has_nothing_of_their_own()
        if personal or shared_links is None:  # a guest with a cart sees their count
            body = body.replace(SESSION_LINKS_PLACEHOLDER.encode(), render_template(SESSION_LINKS_TEMPLATE).encode())
            page_digest, encoded = digest(body), {}
        else:
            body = body.replace(SESSION_LINKS_PLACEHOLDER.encode(), shared_links.encode())
    holds_token = CSRF_PLACEHOLDER in body
    response = conditional(current_app.response_class(body, content_type=content_type), page_digest,
                           holds_token=holds_token, private=personal)
    if response.status_code != 200:  # 304: the browser's copy will do
        return response
    if holds_token:  # a page with a form: this visitor's own CSRF token in it
        response.set_data(body.replace(CSRF_PLACEHOLDER, generate_csrf().encode()))
    return send_encoded(response, encoded)


def store_page(response: Response) -> Response:
    """The last after_request hook: this visitor's session links go into the page, and a page the
    same for every guest but for its placeholders is kept."""
    key, links = g.pop(KEY_ATTRIBUTE, None), g.pop(LINKS_ATTRIBUTE, None)
    if links is not None:  # rendered with the placeholder
        rendered = response.get_data()
        response.set_data(rendered.replace(SESSION_LINKS_PLACEHOLDER.encode(), links.encode()))
    if key is None or response.status_code != 200 or response.direct_passthrough or not visitor_is_a_guest():
        return response
    token = csrf_token()

    def without_token(page: bytes) -> bytes:  # rendered in a form: a placeholder, filled for each visitor
        return page.replace(token.encode(), CSRF_PLACEHOLDER) if token else page

    sent = without_token(response.get_data())
    holds_token = CSRF_PLACEHOLDER in sent
    shared = links is None or visitor_has_nothing_of_their_own()  # this visitor's page is every such guest's
    # Compressed once here when every such guest gets these bytes; otherwise per visitor
    # (storefront.compression).
    encoded = encode_once(sent) if shared and not holds_token else {}
    cache.set(key, (response.content_type, sent if links is None else without_token(rendered), digest(sent),
                    encoded, links if shared else None))
    return conditional(response, digest(sent), holds_token=holds_token, private=not shared)


def init_app(app: Flask) -> None:
    """Called before any other extension registers its hooks: the first before_request hook
    runs first, and the first after_request hook last (after the security headers)."""
    app.jinja_env.globals["session_links"] = session_links
    if app.config["PAGE_CACHE"]:
        app.before_request(serve_cached_page)
        app.after_request(store_page)
