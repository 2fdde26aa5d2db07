"""JSON shapes of the public API (documented in openapi.py)."""
from flask import url_for

from storefront.catalog.models import Evaluation, Product, TraceLot
from storefront.catalog.photos import photo_urls
from storefront.i18n import current_language
from storefront.outlets.directory import StockedProduct, province_of
from storefront.outlets.models import Outlet


def certification_json(cert: Evaluation | None) -> dict | None:
    if cert is None:
        return None
    return {
        "stars": cert.stars,
        "score": cert.score,
        "council_level": cert.council_level,
        "certificate_no": cert.certificate_no,
        "decision_no": cert.decision_no,
        "issued_on": cert.issued_on.isoformat(),
        "expires_on": cert.expires_on.isoformat(),
        "valid": cert.is_valid(),
    }


def product_summary_json(product: Product) -> dict:
    """`name` and `unit` in the request's language (?lang= or Accept-Language), the Vietnamese
    ones where the product has no English; `missing_english` says whether any is missing."""
    language = current_language()
    return {
        "slug": product.slug,
        "code": product.code,
        "language": language,
        "name": product.name(language),
        "name_vi": product.name_vi,
        "name_en": product.name_en,
        "missing_english": product.missing_english,
        "group": product.group,
        "subgroup": product.subgroup,
        "unit": product.unit_in(language),
        "unit_vi": product.unit,
        "unit_en": product.unit_en,
        "price_vnd": product.price,
        "producer": {"name": product.producer.name, "kind": product.producer.kind},
        "origin": {
            "province": product.province.name,
            "district": product.district.name if product.district else None,
        },
        "certification": certification_json(product.certification),
        "photos": [photo_urls(photo, external=True) for photo in product.photos],
        "sellable": product.is_sellable,
        "url": url_for("catalog.product_detail", slug=product.slug, _external=True),
    }


def lot_json(lot: TraceLot) -> dict:
    return {
        "lot_code": lot.lot_code,
        "produced_on": lot.produced_on.isoformat(),
        "best_before": lot.best_before.isoformat() if lot.best_before else None,
        "standards": lot.standard_list,
        "trace_url": url_for("catalog.trace", lot_code=lot.lot_code, _external=True),
    }


def product_detail_json(product: Product, availability: list) -> dict:
    return product_summary_json(product) | {
        "description": product.description(current_language()),
        "description_vi": product.description_vi,
        "description_en": product.description_en,
        "lots": [lot_json(lot) for lot in product.lots],
        "availability": [
            {"outlet": entry.outlet.code, "name": entry.outlet.name, "available": entry.available}
            for entry in availability
        ],
    }


def outlet_json(outlet: Outlet) -> dict:
    district = outlet.district
    return {
        "code": outlet.code,
        "name": outlet.name,
        "kind": outlet.kind,
        "district": district.name if district else None,
        "province": province_of(outlet).name,
        "address": outlet.address,
        "latitude": outlet.latitude,
        "longitude": outlet.longitude,
        "phone": outlet.phone,
        "opening_hours": outlet.opening_hours,
        "pickup_enabled": outlet.pickup_enabled,
        "url": url_for("outlets.outlet_detail", code=outlet.code, _external=True),
    }


def stocked_product_json(item: StockedProduct) -> dict:
    return {
        "slug": item.product.slug,
        "name": item.product.name(current_language()),
        "name_vi": item.product.name_vi,
        "missing_english": item.product.missing_english,
        "price_vnd": item.product.price,
        "stars": item.product.certification.stars,
        "available": item.available,
        "url": url_for("catalog.product_detail", slug=item.product.slug, _external=True),
    }
