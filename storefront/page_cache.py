"""Whole catalogue pages for visitors who are not logged in (most of the traffic), kept in
Flask-Caching under the page's URL, the language, the catalogue version, the Vietnamese day
(certificates expire by the calendar) and whether the visitor came over HTTPS (the security
headers differ); the API's product also by its stock. The key starts with the release:
a digest of the code, templates and static files and of the settings in the security headers,
as the cache (Redis, a folder) outlives the processes, and a page stored before a deploy links
static files that may be gone.

A stored page is kept with the headers it was sent with (the security headers included) and is
answered around the app, before Flask dispatches the request: none of the other extensions'
hooks (login, limiter, language, Talisman) run for it, which halved a hit's cost under gunicorn;
one query for the version (two on a product page, three when its stock changed since it was
stored and no answer has shown the stock now) and the bytes.

Who gets a stored page: visitors not logged in (nor remembered) with no flashed message pending
and nothing else in their session but a cart and the orders they opened by their link. No
catalogue template reads the session, the login or those orders except the header's session
links (templates/_session_links.html: the cart's count, the login link), so a page holds two
per-visitor parts, each stored as a placeholder and filled for each answer: the CSRF token of
the add-to-cart form, and the session links, kept beside the page as everybody's (an empty cart)
and rendered anew, on their own, for a visitor with a cart. Pages are stored only as rendered
for a visitor with no cart; a visitor with a login, a remember cookie or a message gets
every page rendered, so nobody sees another's cart, messages or account.

A product page's stock is not in its key either, as every sale and delivery changes it (in the
checkout bench a viewed product was bought, and its page was never a hit): the parts showing it
(templates/catalog/_add_to_cart.html, _availability.html, and the form's token at the end of
the page, _add_to_cart_token.html) are placeholders in the stored page,
kept beside it with the outlets and quantities they show. Each answer reads those (one
statement, available_by_outlet); only if they changed are the outlets read and named
(product_availability) and the parts rendered anew, in the visitor's language, and kept beside
the page for the next answers while the stock stays so (one such copy a page: the latest).

Every stored page has a weak ETag, so a revisit costs a 304 (storefront.revalidation); a page
with a visitor's own cart in it has theirs (a copy showing another cart is never current) and is
marked private, and one with other stock parts than stored has theirs too. Pages whose bytes are
everybody's as stored (everybody's links, the stock stored) are stored with their Brotli and
gzip copies, compressed once: whole, or, for a page whose token comes at its end (a product
page's), up to the token, each answer's tail sent as is after it (stored_copies). The others
are compressed per answer (storefront.compression).
"""
from __future__ import annotations

import hashlib
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache as once
from pathlib import Path

from flask import Flask, Response, current_app, g, render_template, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import Connection, text
from werkzeug.exceptions import HTTPException

from storefront.catalog.versions import current_version
from storefront.clock import vietnam_today
from storefront.compression import OpenCopies, compress_public_response, encode_head, encode_once, send_encoded
from storefront.driver_reads import driver_rows
from storefront.extensions import cache, db
from storefront.i18n import select_locale
from storefront.orders.access import VIEWED_ORDERS_KEY
from storefront.orders.cart import SESSION_KEY as CART_KEY
from storefront.outlets.directory import Availability, available_by_outlet, product_availability
from storefront.revalidation import PUBLIC_ENDPOINTS as CACHED_ENDPOINTS, conditional, csrf_token, digest
from storefront.security_headers import content_security_policy

# The API's product shows its availability, and stock is not in the catalogue version: its key
# carries the stock. (The product page has its stock parts filled per answer instead.)
STOCKED_ENDPOINTS = frozenset({"api.product"})
# A HEAD is answered from the stored copy too, with the headers its GET gets (RFC 9110 §9.3.2);
# Werkzeug sends no body for it.
STORED_METHODS = ("GET", "HEAD")
# What a visitor's session may hold and still get the shared page: Flask-WTF's CSRF secret,
# Flask-Login's freshness mark for visitors who are not logged in, and the orders opened by
# their link, which no catalogue page shows.
SHARED_SESSION_KEYS = frozenset({"csrf_token", "_fresh", VIEWED_ORDERS_KEY})
# And besides, for the stored page with the visitor's own session links filled in: their cart.
FILLED_SESSION_KEYS = SHARED_SESSION_KEYS | {CART_KEY}
CSRF_PLACEHOLDER = b"\x00csrf-token\x00"
# A page whose first token is at most this far from its end (the product page's, placed at the
# end of its body) has the part before it compressed once; the rest goes as is with each answer.
TOKEN_TAIL_LIMIT = 1024
SESSION_LINKS_PLACEHOLDER = b"\x00session-links\x00"
SESSION_LINKS_TEMPLATE = "_session_links.html"
SESSION_LINKS_ATTRIBUTE = "rendered_session_links"
STOCK_PARTS_ATTRIBUTE = "rendered_stock_parts"
KEY_ATTRIBUTE = "page_cache_key"
# The request's page key, kept in the WSGI environ: worked out once when the stored page is
# looked for, used again by the app to store the page it renders.
KEY_ENVIRON = "storefront.page_key"
RELEASE = "page_release"
# Headers made anew for each answer: the rest are stored with the page.
PER_ANSWER_HEADERS = frozenset({"content-length", "content-encoding", "etag", "set-cookie"})
# Plain SQL: composing the ORM statement on each hit cost more than running it.
STOCK_OF_PRODUCT = text(
    "SELECT stock_level.outlet_id, stock_level.on_hand, stock_level.reserved FROM stock_level"
    " JOIN product ON product.id = stock_level.product_id WHERE product.slug = :slug"
    " ORDER BY stock_level.outlet_id"
)


def session_holds_only(keys: frozenset[str]) -> bool:
    """Not logged in, nor remembered, and nothing in the session but these keys (a flashed
    message, for one, is not among them: the page is rendered with it)."""
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return remember_cookie not in request.cookies and set(session) <= keys


def visitor_has_nothing_of_their_own() -> bool:
    """The page rendered for this visitor is everybody's: it may be stored."""
    return session_holds_only(SHARED_SESSION_KEYS)


def visitor_gets_stored_pages() -> bool:
    """Everybody's page, or everybody's with this visitor's cart in its session links."""
    return session_holds_only(FILLED_SESSION_KEYS)


def reading_connection() -> Connection:
    """The connection for the key's and the stock's reads, which need no transaction together.
    On PostgreSQL in autocommit: BEGIN and ROLLBACK were two of a stored product page's four
    round trips. SQLite begins no transaction to read, and switching its mode costs a statement."""
    connection = db.engine.connect()
    if connection.dialect.name == "postgresql":
        connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


def page_key(connection: Connection | None = None) -> str | None:
    if (request.method not in STORED_METHODS or request.endpoint not in CACHED_ENDPOINTS
            or not visitor_gets_stored_pages()):
        return None
    if KEY_ENVIRON not in request.environ:
        with nullcontext(connection) if connection else reading_connection() as connection:
            parts = [current_app.extensions[RELEASE], str(current_version(connection)),
                     vietnam_today().isoformat(), select_locale(), "https" if came_over_https() else "http"]
            if request.endpoint in STOCKED_ENDPOINTS:
                parts.append(stock_signature(connection, request.view_args["slug"]))
        request.environ[KEY_ENVIRON] = "page4:" + ":".join(parts) + ":" + digest(request.full_path.encode())
    return request.environ[KEY_ENVIRON]


def session_links() -> Markup:
    """The header's links that depend on the visitor's session (templates/_session_links.html),
    for base.html; kept as rendered, so that a stored page holds a placeholder in their place."""
    links = render_template(SESSION_LINKS_TEMPLATE)
    setattr(g, SESSION_LINKS_ATTRIBUTE, links.encode())
    return Markup(links)


@dataclass(frozen=True)
class PageProduct:
    """What a product page's stock parts and product_availability read of the product: kept
    with the stored page (the catalogue version in its key), so an answer loads no product."""
    id: int
    district_id: int | None
    province_id: int
    is_sellable: bool


@dataclass
class StockParts:
    """A product page's parts that show its stock, by template, as rendered for the page; the
    CSRF token in them as its placeholder. `shown`: the stock they were rendered from."""
    product: PageProduct
    shown: tuple
    parts: dict[str, bytes] = field(default_factory=dict)


def stock_part(template: str, product, availability: list[Availability]) -> Markup:
    """A part of the product page that shows its stock (templates/catalog/_add_to_cart.html and
    its token, _availability.html), for product.html: in a page to be stored, a placeholder in
    its place, filled for each answer with the part as of the stock then (fill_stock_parts)."""
    part = render_template(template, product=product, availability=availability)
    if g.get(KEY_ATTRIBUTE) is None:  # rendered for this visitor alone
        return Markup(part)
    stock = g.get(STOCK_PARTS_ATTRIBUTE)
    if stock is None:
        stocked = PageProduct(product.id, product.district_id, product.province_id, product.is_sellable)
        stock = StockParts(stocked, stock_shown(availability))
        setattr(g, STOCK_PARTS_ATTRIBUTE, stock)
    stock.parts[template] = part.encode()
    return Markup(stock_placeholder(template).decode())


def stock_placeholder(template: str) -> bytes:
    return b"\x00stock:" + template.encode() + b"\x00"


def stock_shown(availability: list[Availability]) -> tuple:
    """What the stock parts show of the stock, as available_by_outlet reads it: the outlets'
    names and places and the product's origin (hence their order) are in the catalogue version,
    as is whether the product is sold."""
    return tuple(sorted((entry.outlet.id, entry.available) for entry in availability))


def without_token(part: bytes) -> bytes:
    token = csrf_token()
    return part.replace(token.encode(), CSRF_PLACEHOLDER) if token else part


def fill_stock_parts(body: bytes, parts: dict[str, bytes]) -> bytes:
    for template, part in parts.items():
        body = body.replace(stock_placeholder(template), part)
    return body


def stock_now(connection: Connection, product_id: int) -> tuple:
    """The stock as stock_shown has it, in one statement."""
    return tuple(map(tuple, driver_rows(connection, available_by_outlet(), {"product_id": product_id})))


def stock_parts_now(key: str, stored: StockParts, shown: tuple) -> dict[str, bytes]:
    """The stored page's stock parts for the stock now (`shown`): as stored; else as the last
    answer rendered them, if for this stock (the page is seen many times between two sales);
    else rendered anew, the outlets named in a second statement, and kept for the next answers."""
    if shown == stored.shown:
        return stored.parts
    latest_key = f"{key}:stock"
    latest = cache.get(latest_key)
    if latest is not None and latest[0] == shown:
        return latest[1]
    availability = product_availability(stored.product)
    parts = {template: without_token(render_template(template, product=stored.product,
                                                     availability=availability).encode())
             for template in stored.parts}
    cache.set(latest_key, (shown, parts))
    return parts


def release(app: Flask) -> str:
    """What makes a stored page besides the catalogue: the files below and the settings that
    go into its security headers."""
    settings = repr([app.config["APP_ENV"], sorted(content_security_policy(app.config).items())])
    folders = [app.root_path, str(Path(app.root_path, app.template_folder)), app.static_folder]
    return digest(files_digest(*folders).encode() + settings.encode())


@once
def files_digest(*folders: str) -> str:
    """Of every file in the folders (the package, templates, static), read once per process:
    the files do not change under a running server (a deploy restarts it)."""
    hasher = hashlib.blake2b(digest_size=16)
    for folder in map(Path, folders):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                hasher.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()


def came_over_https() -> bool:
    """Talisman's own test for sending Strict-Transport-Security, a stored header."""
    return request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"


def stock_signature(connection, slug: str) -> str:
    rows = driver_rows(connection, STOCK_OF_PRODUCT, {"slug": slug[:160]})
    return digest(repr([tuple(row) for row in rows]).encode())


def answer_stored_pages(app: Flask) -> None:
    """Wrap the app: a stored page is answered before Flask dispatches the request, anything
    else (and a page not stored yet) goes on to the app."""
    dispatch = app.wsgi_app

    def wsgi_app(environ, start_response):
        if not may_be_stored(app, environ):  # a cart, checkout or order request, a form sent…
            return dispatch(environ, start_response)
        try:
            with app.request_context(environ):
                response = stored_page()
        except Exception:  # the database or cache is away: the app answers, with its error page if need be
            app.logger.warning("Stored page not read; the app renders it", exc_info=True)
            response = None
        if response is None:
            return dispatch(environ, start_response)
        return response(environ, start_response)

    app.wsgi_app = wsgi_app


def may_be_stored(app: Flask, environ: dict) -> bool:
    """Whether the request is a GET (or HEAD) of a page the cache keeps, from its method and URL
    alone: the others go straight to the app, without a request context (and the session cookie
    read) made here first only to find that out."""
    if environ.get("REQUEST_METHOD") not in STORED_METHODS:
        return False
    try:
        endpoint, _values = app.url_map.bind_to_environ(environ).match()
    except HTTPException:  # not found, or a redirect to add a slash: the app answers
        return False
    return endpoint in CACHED_ENDPOINTS


def stored_page() -> Response | None:
    # One connection for the key's version and a product page's stock.
    with reading_connection() as connection:
        key = page_key(connection)
        stored = cache.get(key) if key else None
        if stored is None:
            return None
        headers, body, page_digest, encoded, shared_links, stock = stored
        shown = stock_now(connection, stock.product.id) if stock else ()
    links = shared_links
    if SESSION_LINKS_PLACEHOLDER in body and not visitor_has_nothing_of_their_own():  # a cart: its count
        links = render_template(SESSION_LINKS_TEMPLATE).encode()
    own_links = links if links != shared_links else b""
    parts = stock_parts_now(key, stock, shown) if stock else {}
    # Stock parts other than those stored (sold or received since) go into the tag, like a cart
    # (each part after a NUL: a part gone empty still makes a tag of its own).
    new_stock = b"".join(b"\0" + part for part in parts.values()) if stock and parts != stock.parts else b""
    page = fill_stock_parts(body, parts)
    holds_token = CSRF_PLACEHOLDER in page
    response = conditional(current_app.response_class(headers=headers), page_digest, holds_token=holds_token,
                           own_part=own_links + new_stock, private=bool(own_links))
    if response.status_code == 200:
        page = page.replace(SESSION_LINKS_PLACEHOLDER, links)
        if holds_token:  # a page with a form: this visitor's own CSRF token in it
            page = page.replace(CSRF_PLACEHOLDER, generate_csrf().encode())
        response.set_data(page)
        # Everybody's bytes go as compressed when stored (a token at the end as is); with a cart
        # or stock of their own, or a token elsewhere, compressed now.
        response = (compress_public_response(response) if own_links or new_stock or not encoded
                    else send_encoded(response, encoded))
    # As Flask would: the visitor's new CSRF secret, if one was made, and Vary: Cookie.
    current_app.session_interface.save_session(current_app, session, response)
    return response


def remember_page_key() -> None:
    """The first before_request hook: a page with no stored copy is stored by store_page, when
    rendered for a visitor whose page is everybody's (one with a cart is only served them)."""
    if visitor_has_nothing_of_their_own() and (key := page_key()):
        setattr(g, KEY_ATTRIBUTE, key)


def store_page(response: Response) -> Response:
    """The last after_request hook: keep a rendered page that is the same for every such visitor."""
    key = g.pop(KEY_ATTRIBUTE, None)
    stock = g.pop(STOCK_PARTS_ATTRIBUTE, None)
    if stock:  # rendered with placeholders for its stock parts: this visitor gets the parts
        rendered = response.get_data()
        response.set_data(fill_stock_parts(rendered, stock.parts))
    if (key is None or response.status_code != 200 or response.direct_passthrough
            or not visitor_has_nothing_of_their_own()):
        return response
    # Stored with placeholders for the token and the stock parts, kept beside it.
    body = without_token(rendered if stock else response.get_data())
    if stock:
        stock.parts = {template: without_token(part) for template, part in stock.parts.items()}
    page = fill_stock_parts(body, stock.parts) if stock else body
    holds_token = CSRF_PLACEHOLDER in page
    encoded = stored_copies(page)
    page_digest = digest(page)
    # Everybody's session links (an empty cart, not logged in) are kept beside the page, whose
    # placeholder gets them or a visitor's own.
    shared_links = g.get(SESSION_LINKS_ATTRIBUTE, b"")
    body = body.replace(shared_links, SESSION_LINKS_PLACEHOLDER) if shared_links else body
    headers = [(name, value) for name, value in response.headers if name.lower() not in PER_ANSWER_HEADERS]
    cache.set(key, (headers, body, page_digest, encoded, shared_links, stock))
    return conditional(response, page_digest, holds_token=holds_token)


def stored_copies(page: bytes) -> dict[str, bytes] | OpenCopies:
    """The page compressed once, here: whole; up to its token when that comes near its end; or,
    with a token elsewhere, not at all (compressed per answer, storefront.compression)."""
    token_at = page.find(CSRF_PLACEHOLDER)
    if token_at < 0:
        return encode_once(page)
    return encode_head(page[:token_at]) if len(page) - token_at <= TOKEN_TAIL_LIMIT else {}


def init_app(app: Flask) -> None:
    """Called before any other extension registers its hooks: the first before_request hook
    runs first, and the first after_request hook last (after the security headers, which are
    stored with the page)."""
    app.add_template_global(session_links)
    app.add_template_global(stock_part)
    if app.config["PAGE_CACHE"]:
        app.extensions[RELEASE] = release(app)
        answer_stored_pages(app)
        app.before_request(remember_page_key)
        app.after_request(store_page)
