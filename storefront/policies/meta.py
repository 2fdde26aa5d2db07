"""What a public page tells search engines and social networks about itself: its canonical
address and the picture a shared link shows.

Absolute links are built on PUBLIC_URL, never on the request's Host header: pages are cached
for every visitor (storefront.page_cache), so one forged Host would otherwise reach them all."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, request, url_for

from storefront.catalog.photos import share_image_url

# The query arguments that make a different page of content; sorting and filters do not.
CANONICAL_ARGS = ("q", "group", "page")
SHARE_IMAGE = "img/share.png"  # 1200×630, for pages (and products) without a photo of their own


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def canonical_url() -> str:
    kept = [(name, request.args[name][:200]) for name in CANONICAL_ARGS if request.args.get(name)]
    return public_url(request.path) + ("?" + urlencode(kept) if kept else "")


def page_image_url(product=None) -> str:
    """A product's first photo cut to 1200×630 (storefront.catalog.photos), else the shop's picture."""
    if product is not None and product.photos:
        return public_url(share_image_url(product.photos[0]))
    return public_url(url_for("static", filename=SHARE_IMAGE))
