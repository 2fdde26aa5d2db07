"""The OpenAPI description of /api/v1, kept beside the routes it describes."""
from storefront.catalog.listing import SORTS
from storefront.catalog.models import PRODUCT_GROUPS
from storefront.outlets.models import OUTLET_KINDS


def query_param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


LISTING_PARAMS = [
    query_param("q", {"type": "string", "maxLength": 200}, "Text, with or without Vietnamese diacritics."),
    query_param(
        "stars",
        {"type": "array", "items": {"type": "integer", "minimum": 3, "maximum": 5}},
        "OCOP stars; repeat for several.",
    ),
    query_param("group", {"type": "string", "enum": list(PRODUCT_GROUPS)}, "OCOP product group."),
    query_param("area", {"type": "string"}, "Official code of a province or district."),
    query_param("min_price", {"type": "integer", "minimum": 0}, "Lowest price in VND."),
    query_param("max_price", {"type": "integer", "minimum": 0}, "Highest price in VND."),
    query_param("sort", {"type": "string", "enum": list(SORTS)}, "Order of the results."),
    query_param("page", {"type": "integer", "minimum": 1}, "Page number, from 1."),
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page."),
]

CERTIFICATION = {
    "type": ["object", "null"],
    "properties": {
        "stars": {"type": "integer", "minimum": 1, "maximum": 5},
        "score": {"type": "number"},
        "council_level": {"type": "string", "enum": ["district", "province", "central"]},
        "certificate_no": {"type": ["string", "null"]},
        "decision_no": {"type": "string"},
        "issued_on": {"type": "string", "format": "date"},
        "expires_on": {"type": "string", "format": "date"},
        "valid": {"type": "boolean"},
    },
}

PRODUCT_SUMMARY = {
    "type": "object",
    "required": ["slug", "code", "name", "group", "price_vnd", "certification"],
    "properties": {
        "slug": {"type": "string"},
        "code": {"type": "string"},
        "name": {"type": "string"},
        "name_en": {"type": ["string", "null"]},
        "group": {"type": "string", "enum": list(PRODUCT_GROUPS)},
        "subgroup": {"type": "string"},
        "unit": {"type": "string"},
        "price_vnd": {"type": "integer", "description": "Whole đồng (VND has no minor unit)."},
        "producer": {"type": "object", "properties": {"name": {"type": "string"}, "kind": {"type": "string"}}},
        "origin": {
            "type": "object",
            "properties": {"province": {"type": "string"}, "district": {"type": ["string", "null"]}},
        },
        "certification": {"$ref": "#/components/schemas/Certification"},
        "sellable": {"type": "boolean"},
        "url": {"type": "string", "format": "uri"},
    },
}

LOT = {
    "type": "object",
    "properties": {
        "lot_code": {"type": "string"},
        "produced_on": {"type": "string", "format": "date"},
        "best_before": {"type": ["string", "null"], "format": "date"},
        "standards": {"type": "array", "items": {"type": "string"}},
        "trace_url": {"type": "string", "format": "uri"},
    },
}

FACET_VALUE = {
    "type": "object",
    "properties": {"key": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer"}},
}

PRODUCT_PAGE = {
    "type": "object",
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/ProductSummary"}},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "total": {"type": "integer"},
        "pages": {"type": "integer"},
        "typo_fallback": {"type": "boolean", "description": "True when only close spellings matched."},
        "facets": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}},
        },
    },
}

ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
        }
    },
}


OUTLET = {
    "type": "object",
    "required": ["code", "name", "kind", "province", "address", "pickup_enabled", "url"],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": list(OUTLET_KINDS)},
        "district": {"type": ["string", "null"], "description": "Null where the province has no districts."},
        "province": {"type": "string"},
        "address": {"type": "string"},
        "latitude": {"type": ["number", "null"]},
        "longitude": {"type": ["number", "null"]},
        "phone": {"type": "string"},
        "opening_hours": {"type": "string"},
        "pickup_enabled": {"type": "boolean", "description": "Online orders can be collected here."},
        "url": {"type": "string", "format": "uri"},
    },
}

OUTLET_LIST = {
    "type": "object",
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Outlet"}}},
}

STOCKED_PRODUCT = {
    "type": "object",
    "required": ["slug", "name", "price_vnd", "stars", "available"],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "price_vnd": {"type": "integer", "description": "Whole đồng (VND has no minor unit)."},
        "stars": {"type": "integer", "minimum": 3, "maximum": 5},
        "available": {"type": "integer", "minimum": 1, "description": "On hand less reserved."},
        "url": {"type": "string", "format": "uri"},
    },
}

OUTLET_STOCK_PAGE = {
    "type": "object",
    "properties": {
        "outlet": {"type": "string", "description": "The outlet's code."},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/StockedProduct"}},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "total": {"type": "integer"},
        "pages": {"type": "integer"},
    },
}


def json_response(description: str, schema_name: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
    }


ERRORS = {
    "400": json_response("A parameter is invalid; the message says which.", "Error"),
}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OCOP Market API",
            "version": "1",
            "description": "Read-only data on OCOP certified products, for apps and marketplaces.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/products": {
                "get": {
                    "summary": "Certified products, filtered and paginated",
                    "parameters": LISTING_PARAMS,
                    "responses": {"200": json_response("A page of products.", "ProductPage")} | ERRORS,
                }
            },
            "/search": {
                "get": {
                    "summary": "Search certified products (q required)",
                    "parameters": LISTING_PARAMS,
                    "responses": {"200": json_response("A page of matches.", "ProductPage")} | ERRORS,
                }
            },
            "/products/{slug}": {
                "get": {
                    "summary": "One certified product with its certificate and lots",
                    "parameters": [
                        {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": json_response("The product.", "ProductDetail"),
                        "404": json_response("No certified product with that slug.", "Error"),
                    },
                }
            },
            "/outlets": {
                "get": {
                    "summary": "Every open OCOP sales point",
                    "responses": {"200": json_response("The sales points, by code.", "OutletList")},
                }
            },
            "/outlets/{code}/stock": {
                "get": {
                    "summary": "Certified products available at one sales point, best rated first",
                    "parameters": [
                        {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}},
                        query_param("page", {"type": "integer", "minimum": 1}, "Page number, from 1."),
                        query_param(
                            "per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page."
                        ),
                    ],
                    "responses": {
                        "200": json_response("A page of products in stock.", "OutletStockPage"),
                        "404": json_response("No open sales point with that code.", "Error"),
                    }
                    | ERRORS,
                }
            },
        },
        "components": {
            "schemas": {
                "Certification": CERTIFICATION,
                "ProductSummary": PRODUCT_SUMMARY,
                "ProductDetail": {
                    "allOf": [
                        {"$ref": "#/components/schemas/ProductSummary"},
                        {
                            "type": "object",
                            "properties": {
                                "description": {"type": "string"},
                                "description_en": {"type": ["string", "null"]},
                                "lots": {"type": "array", "items": {"$ref": "#/components/schemas/Lot"}},
                                "availability": {
                                    "type": "array",
                                    "description": "Sales points with the product available, nearest to its origin first.",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "outlet": {"type": "string"},
                                            "name": {"type": "string"},
                                            "available": {"type": "integer"},
                                        },
                                    },
                                },
                            },
                        },
                    ]
                },
                "Lot": LOT,
                "FacetValue": FACET_VALUE,
                "ProductPage": PRODUCT_PAGE,
                "Outlet": OUTLET,
                "OutletList": OUTLET_LIST,
                "StockedProduct": STOCKED_PRODUCT,
                "OutletStockPage": OUTLET_STOCK_PAGE,
                "Error": ERROR,
            }
        },
    }
