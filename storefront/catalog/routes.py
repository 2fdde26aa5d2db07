from flask import abort, current_app, jsonify, render_template, request, send_from_directory, url_for
from flask_login import current_user

from storefront.catalog import bp
from storefront.catalog.labels import (
    COUNCIL_LABELS,
    GROUP_LABELS,
    PRODUCER_KIND_LABELS,
    SORT_LABELS,
    TRACE_EVENT_LABELS,
)
from storefront.catalog.filters import parse_filters
from storefront.catalog.art import art_url
from storefront.catalog.cards import product_cards
from storefront.catalog.photos import CACHE_SECONDS, PHOTO_FILE, add_missing_size, photo_dir, photo_url
from storefront.catalog.services import (
    featured_products,
    find_lot,
    find_product,
    list_products,
    lot_qr_svg,
    public_counts_by_group,
)
from storefront.outlets.directory import product_availability
from storefront.search.queries import suggest


def viewer_is_staff() -> bool:
    return current_user.is_authenticated and current_user.is_staff


@bp.app_context_processor
def catalogue_vocabulary() -> dict:
    return {
        "group_labels": GROUP_LABELS,
        "council_labels": COUNCIL_LABELS,
        "kind_labels": PRODUCER_KIND_LABELS,
        "event_labels": TRACE_EVENT_LABELS,
        "staff": viewer_is_staff(),
    }


# A global, not a context variable: macros imported without context use it too.
bp.add_app_template_global(photo_url, "photo_url")
bp.add_app_template_global(art_url, "art_url")
bp.add_app_template_global(product_cards, "product_cards")


@bp.get("/")
def home():
    return render_template(
        "catalog/home.html",
        featured=featured_products(limit=8),
        group_counts=public_counts_by_group(),
    )


@bp.get("/products")
@bp.get("/search", endpoint="search")
def products():
    filters, notices = parse_filters(request.args, staff=viewer_is_staff())
    listing = list_products(filters, per_page=current_app.config["PRODUCTS_PER_PAGE"])
    return render_template(
        "catalog/products.html",
        filters=filters,
        listing=listing,
        notices=notices,
        sort_labels=SORT_LABELS,
    )


@bp.get("/search/suggest")
def search_suggest():
    query = (request.args.get("q") or "")[:100]
    suggestions = [
        item | {"url": url_for("catalog.product_detail", slug=item["slug"])}
        for item in suggest(query, limit=8)
    ]
    return jsonify(suggestions=suggestions)


@bp.get("/products/<slug>")
def product_detail(slug: str):
    product = find_product(slug)
    if product is None or not (product.has_public_page or viewer_is_staff()):
        abort(404)
    return render_template(
        "catalog/product.html", product=product, availability=product_availability(product)
    )


@bp.get("/trace/<lot_code>")
def trace(lot_code: str):
    lot = find_lot(lot_code)
    if lot is None:
        abort(404)
    return render_template("catalog/trace.html", lot=lot, qr_svg=lot_qr_svg(lot, scale=5))


@bp.get("/trace/<lot_code>/qr.svg")
def trace_qr(lot_code: str):
    lot = find_lot(lot_code)
    if lot is None:
        abort(404)
    return current_app.response_class(lot_qr_svg(lot, scale=10), mimetype="image/svg+xml")


@bp.get("/media/photos/<int:product_id>/<name>")
def photo(product_id: int, name: str):
    """A photo file: its name changes with its content, so browsers keep it for a year."""
    if not PHOTO_FILE.fullmatch(name):
        abort(404)
    add_missing_size(product_id, name)
    response = send_from_directory(photo_dir(), f"{product_id}/{name}", max_age=CACHE_SECONDS)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
