"""Product cards, rendered once per catalogue version, Vietnamese day and language and kept in
the cache (Flask-Caching): a listing or search page then renders only the cards it has not
seen, and loads the relations only of those products. A card shows nothing of the visitor
(no cart, no login), so logged-in visitors share the cards too."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence

from flask import get_template_attribute
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from storefront.catalog.models import Producer, Product
from storefront.catalog.versions import current_version
from storefront.clock import vietnam_today
from storefront.extensions import cache, db
from storefront.i18n import current_language

EAGER_CARDS = 2  # the first row's images load at once: the page's largest paint


def load_card_relations(products: Sequence[Product], *, producer: bool = False) -> None:
    """What cards show (certificate, place, photos), and the producer for the API, one query
    per relation for the given products."""
    if not products:
        return
    options = [selectinload(Product.certification), selectinload(Product.province),
               selectinload(Product.district), selectinload(Product.photos)]
    if producer:
        options.append(selectinload(Product.producer).selectinload(Producer.area))
    db.session.scalars(
        db.select(Product).where(Product.id.in_([p.id for p in products])).options(*options)
    ).all()


def card_key(prefix: str, product: Product, eager: bool, highlight: str | None) -> str:
    marked = hashlib.blake2b(highlight.encode(), digest_size=8).hexdigest() if highlight else ""
    return f"{prefix}:{product.id}:{int(eager)}:{marked}"


def product_cards(products: Sequence[Product], highlights: dict[int, str] | None = None) -> list[Markup]:
    """Each product's card HTML, in order: from the cache, or rendered and stored."""
    highlights = highlights or {}
    prefix = f"card:v{current_version()}:{vietnam_today().isoformat()}:{current_language()}"
    wanted = [(product, index < EAGER_CARDS, highlights.get(product.id)) for index, product in enumerate(products)]
    keys = [card_key(prefix, *card) for card in wanted]
    cards = list(cache.get_many(*keys)) if keys else []
    missing = [i for i, card in enumerate(cards) if card is None]
    if missing:
        load_card_relations([products[i] for i in missing])
        render = get_template_attribute("macros.html", "product_card")
        for i in missing:
            product, eager, highlight = wanted[i]
            cards[i] = str(render(product, highlight, eager=eager))
        cache.set_many({keys[i]: cards[i] for i in missing})
    return [Markup(card) for card in cards]
