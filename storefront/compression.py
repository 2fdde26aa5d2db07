"""Responses compressed with Brotli or gzip (Flask-Compress), as the browser accepts.

BREACH: compressing a page that holds a secret next to text an attacker can put in the same
page (a search query) lets the attacker guess the secret from the compressed length, one
character at a time over many requests. So pages about one person (account, orders, cart,
sales points' and back-office pages: sent `Cache-Control: no-store`) are never compressed. The
public pages' only secret is Flask-WTF's CSRF token in the add-to-cart form, which is signed
with a timestamp: its text changes every second, so no guess can build on the last one (a
shopper's cart count in their header is no secret). Stored catalogue pages are compressed once,
when stored, and sent so to everybody whose page they are; filled with a visitor's own token or
cart, per answer (storefront.page_cache)."""
from __future__ import annotations

import gzip

import brotli
from flask import Flask, Response, request
from flask_compress import Compress

ENCODINGS = ("br", "gzip")
# Stored pages are compressed once per catalogue version: worth a higher level than on the fly.
STORED_BROTLI_QUALITY = 9
STORED_GZIP_LEVEL = 9

compress = Compress()


def compress_public_response(response: Response) -> Response:
    if "no-store" in (response.headers.get("Cache-Control") or ""):
        return response
    return compress.after_request(response)


def encode_once(body: bytes) -> dict[str, bytes]:
    """A stored page's compressed copies, one per encoding."""
    return {
        "br": brotli.compress(body, quality=STORED_BROTLI_QUALITY, mode=brotli.MODE_TEXT),
        "gzip": gzip.compress(body, STORED_GZIP_LEVEL, mtime=0),
    }


def accepted_encoding() -> str | None:
    """The encoding this browser prefers among ours, or None for the plain bytes."""
    return request.accept_encodings.best_match(ENCODINGS)


def send_encoded(response: Response, encoded: dict[str, bytes]) -> Response:
    """A response of stored bytes, in the browser's preferred stored encoding."""
    response.vary.add("Accept-Encoding")
    encoding = accepted_encoding()
    if encoding in encoded:
        response.set_data(encoded[encoding])
        response.headers["Content-Encoding"] = encoding
    return response


def init_app(app: Flask) -> None:
    """Registered before the page cache: its after_request hook runs after every other one,
    so it sees each response as sent."""
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_ALGORITHM", list(ENCODINGS))
    app.config.setdefault("COMPRESS_STREAMS", False)  # streamed: exports written as they are read
    # Compressed per answer, so for speed: Brotli's quality 1 costs a product page 0.03 ms against
    # 0.11 ms at the extension's default of 4, for 3.8 KB sent instead of 3.3 KB.
    app.config.setdefault("COMPRESS_BR_LEVEL", 1)
    app.config.setdefault("COMPRESS_BR_MODE", brotli.MODE_TEXT)
    app.config.setdefault("COMPRESS_LEVEL", 1)  # gzip, for the few browsers without Brotli
    compress.init_app(app)
    app.after_request(compress_public_response)
