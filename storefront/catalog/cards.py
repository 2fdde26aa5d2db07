"""Product cards, rendered once per catalogue version, Vietnamese day and language and kept in
the cache (Flask-Caching): a listing or search page then renders only the cards it has not
seen, and loads the relations only of those products. A card shows nothing of the visitor
(no cart, no login), so logged-in visitors share the cards too."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TypeVar

from flask import get_template_attribute
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload

from storefront.catalog.models import Producer, Product
from storefront.catalog.versions import current_version
from storefront.clock import vietnam_today
from storefront.extensions import cache, db
from storefront.i18n import current_language

T = TypeVar("T")
EAGER_CARDS = 2  # the first row's images load at once: the page's largest paint


def load_card_relations(products: Sequence[Product], *, producer: bool = False) -> None:
    """What cards show (certificate, place, photos), and the producer for the API: the
    many-to-one relations joined to the products' own query, the photos in a second one."""
    if not products:
        return
    options = [joinedload(Product.certification), joinedload(Product.province),
               joinedload(Product.district), selectinload(Product.photos)]
    if producer:
        options.append(joinedload(Product.producer).joinedload(Producer.area))
    db.session.scalars(
        db.select(Product).where(Product.id.in_([p.id for p in products])).options(*options)
    ).all()


def kept_per_product(name: str, products: Sequence[Product], extras: Sequence[str],
                     build: Callable[[int, Product], T], *, producer: bool = False) -> list[T]:
    """build(i, product) for each product, kept per catalogue version, day, language and extra
    (what else the result depends on): only the missing ones load relations and are built."""
    prefix = f"{name}:v{current_version()}:{vietnam_today().isoformat()}:{current_language()}"
    keys = [f"{prefix}:{product.id}:{extra}" for product, extra in zip(products, extras)]
    results = list(cache.get_many(*keys)) if keys else []
    missing = [i for i, result in enumerate(results) if result is None]
    if missing:
        load_card_relations([products[i] for i in missing], producer=producer)
        for i in missing:
            results[i] = build(i, products[i])
        cache.set_many({keys[i]: results[i] for i in missing})
    return results


def short_digest(text: str | None) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest() if text else ""


def product_cards(products: Sequence[Product], highlights: dict[int, str] | None = None,
                  heading: str = "h3") -> list[Markup]:
    """Each product's card HTML, in order: from the cache, or rendered and stored. `heading` is
    the card title's level, one below the page's own headings."""
    highlights = highlights or {}
    render = get_template_attribute("macros.html", "product_card")

    def build(i: int, product: Product) -> str:
        return str(render(product, highlights.get(product.id), eager=i < EAGER_CARDS, heading=heading))

    extras = [f"{int(i < EAGER_CARDS)}:{heading}:{short_digest(highlights.get(p.id))}" for i, p in enumerate(products)]
    return [Markup(card) for card in kept_per_product("card", products, extras, build)]
