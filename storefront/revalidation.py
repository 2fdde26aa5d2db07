"""Revisits of public catalogue pages and the catalogue API cost a 304: each such response
carries a weak ETag (a digest of its bytes) and `no-cache`, so the browser asks again with
If-None-Match and gets "not modified" while the page is unchanged. Stored pages get theirs from
storefront.page_cache; this module gives the same to pages rendered for one visitor (logged in,
or with a cart), marked private so that no shared cache keeps them. A stored page filled with a
visitor's own cart is tagged with it too, and private.

A page with a form holds a CSRF token, which is good while the visitor's session keeps the secret
it was made from (and, if WTF_CSRF_TIME_LIMIT is set, for that long): its ETag is the digest of
the page without the token, followed by the time the token was made and a mark of the secret, and
a 304 is answered only while the session still holds that secret and the token has at least half
of its life left."""
from __future__ import annotations

import hashlib
import time

from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

# The catalogue pages and API (the page cache's endpoints).
PUBLIC_ENDPOINTS = frozenset({
    "catalog.home", "catalog.products", "catalog.search", "catalog.search_suggest",
    "catalog.product_detail", "api.products", "api.search", "api.product",
})


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def csrf_field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def csrf_token() -> str | None:
    """The CSRF token this response was rendered with, if any."""
    return g.get(csrf_field())


def secret_mark() -> str:
    """A mark of the session's CSRF secret, which the page's token is made from (made now, for a
    visitor who has none yet, as the page's token will be)."""
    generate_csrf()
    return digest(session[csrf_field()].encode())[:12]


def token_still_young(made_at: str) -> bool:
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600)
    return made_at.isdigit() and (limit is None or 0 <= time.time() - int(made_at) < limit / 2)


def conditional(response: Response, page_digest: str, *, holds_token: bool = False,
                private: bool = False, own_part: bytes = b"") -> Response:
    """The browser asks again each time (no-cache); an unchanged page is a 304. `own_part`: what
    was filled into a stored page for this visitor (their cart in the header), in its tag too,
    so that a copy showing another cart is never taken for current."""
    if own_part:
        page_digest = digest(page_digest.encode() + own_part)
    response.cache_control.no_cache = True
    if private:
        response.cache_control.private = True
    if not holds_token:
        response.set_etag(page_digest, weak=True)
        return response.make_conditional(request) if request.if_none_match else response
    session_mark = secret_mark()
    for tag in filter(None, request.if_none_match.as_set(include_weak=True)):  # `W/""` is None
        seen_digest, _, made = tag.partition(".")
        made_at, _, mark = made.partition(".")
        if seen_digest == page_digest and mark == session_mark and token_still_young(made_at):
            response.set_etag(tag, weak=True)
            return response.make_conditional(request)
    response.set_etag(f"{page_digest}.{int(time.time())}.{session_mark}", weak=True)
    return response


def revalidate_rendered_page(response: Response) -> Response:
    if (request.method not in ("GET", "HEAD") or request.endpoint not in PUBLIC_ENDPOINTS
            or response.status_code != 200 or response.direct_passthrough or response.is_streamed
            or response.get_etag()[0]):
        return response
    body, token = response.get_data(), csrf_token()
    if token:
        body = body.replace(token.encode(), b"")
    return conditional(response, digest(body), holds_token=bool(token), private=True)


def init_app(app: Flask) -> None:
    """Registered before the page cache, so this hook runs after it (a stored page already has
    its ETag) and before compression (the digest is of the plain bytes)."""
    app.after_request(revalidate_rendered_page)
