from flask import abort, current_app, jsonify, request

from storefront.api import bp
from storefront.api.openapi import openapi_document
from storefront.api.serializers import product_detail_json, product_summary_json
from storefront.catalog.listing import list_products, parse_filters, parse_int
from storefront.catalog.services import find_product
from storefront.extensions import csrf

csrf.exempt(bp)  # read-only JSON API: no forms, no cookies-based writes


def listing_response():
    filters, notices = parse_filters(request.args)
    if notices:
        abort(400, description=" ".join(str(n) for n in notices))
    raw_per_page = request.args.get("per_page")
    per_page = parse_int(raw_per_page) if raw_per_page else 24
    if per_page is None or not 1 <= per_page <= current_app.config["API_MAX_PER_PAGE"]:
        abort(400, description="per_page must be a whole number from 1 to 100.")
    listing = list_products(filters, per_page=per_page)
    return jsonify(
        items=[product_summary_json(p) for p in listing.products],
        page=listing.page,
        per_page=listing.per_page,
        total=listing.total,
        pages=listing.pages,
        typo_fallback=listing.typo_fallback,
        facets={
            name: [{"key": v.key, "label": v.label, "count": v.count} for v in values]
            for name, values in listing.facets.items()
        },
    )


@bp.get("/products")
def products():
    return listing_response()


@bp.get("/search")
def search():
    if not (request.args.get("q") or "").strip():
        abort(400, description="Give a search query in q.")
    return listing_response()


@bp.get("/products/<slug>")
def product(slug: str):
    found = find_product(slug)
    if found is None or not found.is_public:
        abort(404, description=f"No certified product with slug {slug[:160]!r}.")
    return jsonify(product_detail_json(found))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
