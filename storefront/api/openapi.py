"""The OpenAPI description of /api/v1, kept beside the routes it describes."""
from storefront.query_args import MAX_PAGE
from storefront.catalog.filters import SORTS
from storefront.catalog.models import MAX_PRICE, PHOTO_SIZES, PRODUCER_KINDS, PRODUCT_GROUPS
from storefront.outlets.models import OUTLET_KINDS
from storefront.reports.services import BASES, CERTIFICATES, DECLARATIONS, SORT_COLUMNS, STATUSES


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
    query_param("min_price", {"type": "integer", "minimum": 0, "maximum": MAX_PRICE}, "Lowest price in VND."),
    query_param("max_price", {"type": "integer", "minimum": 0, "maximum": MAX_PRICE}, "Highest price in VND."),
    query_param("sort", {"type": "string", "enum": list(SORTS)}, "Order of the results."),
    query_param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page number, from 1."),
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page."),
]

# Names, units, descriptions and facet labels come in this language; without it, in the
# Accept-Language header's (vi or en), else in Vietnamese. Responses vary by Accept-Language.
LANGUAGE_PARAM = query_param(
    "lang", {"type": "string", "enum": ["vi", "en"]},
    "Language of names, units and descriptions: en gives the English ones where the product has them "
    "(missing_english tells where it has not, and the Vietnamese text stands in). Without it, the "
    "Accept-Language header decides, else Vietnamese.",
)
LISTING_PARAMS.append(LANGUAGE_PARAM)

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
        "language": {"type": "string", "enum": ["vi", "en"], "description": "The language of name, unit and description."},
        "name": {"type": "string", "description": "In the response's language; Vietnamese where the product has no English."},
        "name_vi": {"type": "string"},
        "name_en": {"type": ["string", "null"]},
        "missing_english": {
            "type": "boolean",
            "description": "True when the product lacks the English of its name, unit or description "
                           "(the Vietnamese stands in for it in English responses).",
        },
        "group": {"type": "string", "enum": list(PRODUCT_GROUPS)},
        "subgroup": {"type": "string"},
        "unit": {"type": "string", "description": "What one unit is, in the response's language where the product has it."},
        "unit_vi": {"type": "string"},
        "unit_en": {"type": ["string", "null"]},
        "price_vnd": {"type": "integer", "description": "Whole đồng (VND has no minor unit)."},
        "producer": {"type": "object", "properties": {"name": {"type": "string"}, "kind": {"type": "string"}}},
        "origin": {
            "type": "object",
            "properties": {"province": {"type": "string"}, "district": {"type": ["string", "null"]}},
        },
        "certification": {"$ref": "#/components/schemas/Certification"},
        "photos": {
            "type": "array",
            "description": "The product's photos, first one first; empty: show the group's drawing.",
            "items": {"$ref": "#/components/schemas/Photo"},
        },
        "sellable": {"type": "boolean"},
        "url": {"type": "string", "format": "uri"},
    },
}

PHOTO = {
    "type": "object",
    "description": "WebP files; their addresses change with their content, so they may be cached for good.",
    "required": list(PHOTO_SIZES),
    "properties": {
        "thumbnail": {"type": "string", "format": "uri", "description": "160×160, cropped square."},
        "card": {"type": "string", "format": "uri", "description": "480×480, cropped square."},
        "full": {"type": "string", "format": "uri", "description": "The whole photo, at most 1600 px a side."},
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
        "name": {"type": "string", "description": "In the response's language; Vietnamese where the product has no English."},
        "name_vi": {"type": "string"},
        "missing_english": {"type": "boolean"},
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


GROWTH_PARAMS = [
    query_param("area", {"type": "string"}, "Official code of a province or district."),
    query_param("areas", {"type": "string", "enum": ["today"]}, "With a province in area: count it as it is "
                "today, with the provinces merged with it since (2025); by default, each province on its own."),
    query_param("group", {"type": "string", "enum": list(PRODUCT_GROUPS)}, "OCOP product group."),
    query_param("stars", {"type": "integer", "minimum": 3, "maximum": 5}, "Stars now (of the latest certificate "
                "not revoked, valid or expired)."),
    query_param("first_stars", {"type": "integer", "minimum": 3, "maximum": 5},
                "Stars at the first 3★+ certification (C)."),
    query_param("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, "Year of the first 3★+ certification."),
    query_param("kind", {"type": "string", "enum": list(PRODUCER_KINDS)}, "Kind of producer."),
    query_param("basis", {"type": "string", "enum": list(BASES)}, "Only rows whose status comes from this basis."),
    query_param("sort", {"type": "string", "enum": list(SORT_COLUMNS)}, "Column to order the rows by (default code)."),
    query_param("dir", {"type": "string", "enum": ["asc", "desc"]}, "Direction of the order; missing figures go last."),
    query_param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page number, from 1."),
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": 1000}, "Rows per page (default 100)."),
]

GROWTH_RULES = (
    "C is the issue date of the product's first 3★+ certificate, also when it was revoked later "
    "(revocation ends validity from its own date). Year one is [C, C + 12 months) in Vietnamese days. "
    "Platform figures are the sales ledger's: revenue = Σ amount, profit = Σ (amount − cost) of year one; "
    "a refund, return or void counts in the period of the sale it reverses. Declared figures for year one "
    "weigh each calendar year's declaration by the days of year one in it (whole đồng, rounded towards zero): "
    "full when every such year is declared, partial otherwise. The status compares the declared figures "
    "when full, else the platform's, exactly (value × 100 ≥ target in hundredths × baseline): meets when "
    "revenue and profit both reach the target; no_comparable_baseline when baseline revenue or profit is "
    "0 or less; not_yet_due while year one runs."
)

MONEY = {"type": "integer", "description": "Whole đồng (VND has no minor unit)."}
OPTIONAL_MONEY = {"type": ["integer", "null"], "description": "Whole đồng; null when not known."}
RATIO = {
    "type": ["number", "null"],
    "description": "Figure ÷ baseline, computed exactly and rounded to 2 decimals (halves away from zero) as "
    "on the page and in the files; null without a positive baseline.",
}
OPTIONAL_DATE = {"type": ["string", "null"], "format": "date"}

GROWTH_ROW = {
    "type": "object",
    "description": GROWTH_RULES,
    "required": ["code", "name", "certified_on", "year_one_ends", "target", "revenue", "profit", "basis", "status"],
    "properties": {
        "code": {"type": "string"},
        "name": {"type": "string", "description": "As registered, in Vietnamese."},
        "name_en": {"type": ["string", "null"], "description": "The product's English name, if it has one."},
        "province": {"type": "string"},
        "district": {"type": ["string", "null"]},
        "group": {"type": "string", "enum": list(PRODUCT_GROUPS)},
        "producer_kind": {"type": "string", "enum": list(PRODUCER_KINDS)},
        "stars": {"type": ["integer", "null"], "minimum": 3, "maximum": 5,
                  "description": "Stars now: of the latest certificate not revoked (null when all are revoked)."},
        "first_stars": {"type": "integer", "minimum": 3, "maximum": 5, "description": "Stars at C."},
        "certified_on": {"type": "string", "format": "date", "description": "C, the first 3★+ certification."},
        "year_one_ends": {"type": "string", "format": "date", "description": "Year one is [certified_on, year_one_ends)."},
        "certificate": {"type": "string", "enum": list(CERTIFICATES), "description": "The certification today."},
        "certified_until": OPTIONAL_DATE | {"description": "End of the latest certificate not revoked."},
        "revoked_on": OPTIONAL_DATE | {"description": "Latest revocation of any of its certificates (Vietnam)."},
        "target": {"type": "number", "description": "The plan's growth target for this product, e.g. 1.5 "
                   "(two decimals at most)."},
        "baseline_revenue": OPTIONAL_MONEY,
        "baseline_profit": OPTIONAL_MONEY,
        "revenue": MONEY | {"description": "Platform sales in year one, from the sales ledger (refunds deducted "
                            "in the period of the sale they reverse)."},
        "profit": MONEY | {"description": "Year one: revenue less the cost of the goods sold."},
        "revenue_ratio": RATIO,
        "profit_ratio": RATIO,
        "declaration": {"type": "string", "enum": list(DECLARATIONS),
                        "description": "full: every calendar year of year one declared; partial: some."},
        "declared_years": {"type": "array", "items": {"type": "object", "properties": {
            "year": {"type": "integer"}, "declared": {"type": "boolean"}}},
            "description": "The calendar years year one falls in."},
        "declared_revenue": OPTIONAL_MONEY | {"description": "All-channel revenue declared, weighted over year one; "
                                              "null unless the declaration is full."},
        "declared_profit": OPTIONAL_MONEY,
        "declared_revenue_ratio": RATIO,
        "declared_profit_ratio": RATIO,
        "basis": {"type": "string", "enum": list(BASES), "description": "What the status compares: declared "
                  "figures when the declaration is full, else platform sales."},
        "status": {"type": "string", "enum": list(STATUSES)},
        "trailing_revenue": OPTIONAL_MONEY | {"description": "The last 12 months; null until year one is over."},
        "trailing_profit": OPTIONAL_MONEY,
        "trailing_revenue_ratio": RATIO,
        "trailing_profit_ratio": RATIO,
        "chart_url": {"type": "string", "format": "uri", "description": "The product's monthly chart (staff page)."},
    },
}

GROWTH_TALLY = {
    "type": "object",
    "properties": {
        "products": {"type": "integer"},
        "due": {"type": "integer", "description": "Past year one."},
        "no_baseline": {"type": "integer", "description": "Due, without a baseline."},
        "no_comparable_baseline": {"type": "integer", "description": "Due, baseline revenue or profit 0 or less."},
        "with_baseline": {"type": "integer", "description": "Compared: due, with a baseline above zero."},
        "meets": {"type": "integer", "description": "Compared and meeting the target."},
        "share": {"type": ["number", "null"], "description": "meets ÷ with_baseline."},
        "declared": {"type": "integer", "description": "Compared on declared figures."},
        "meets_declared": {"type": "integer"},
        "platform": {"type": "integer", "description": "Compared on platform sales."},
        "meets_platform": {"type": "integer"},
    },
}

KEYED_TALLIES = {
    "type": "array",
    "items": {
        "allOf": [
            {"type": "object", "properties": {"key": {"type": ["string", "integer", "null"]}}},
            {"$ref": "#/components/schemas/GrowthTally"},
        ]
    },
}

GROWTH_REPORT = {
    "type": "object",
    "properties": {
        "today": {"type": "string", "format": "date", "description": "The report's day (Vietnam)."},
        "default_target": {"type": "number", "description": "Used where no plan sets a target."},
        "filters": {"type": "object", "description": "The filters applied, as query parameters."},
        "sort": {"type": "string", "enum": list(SORT_COLUMNS)},
        "dir": {"type": "string", "enum": ["asc", "desc"]},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "pages": {"type": "integer"},
        "total": {"type": "integer", "description": "Rows matching the filters, over every page."},
        "summary": {
            "type": "object",
            "description": "Over every matching row, not only this page.",
            "properties": {
                "overall": {"$ref": "#/components/schemas/GrowthTally"},
                "district": KEYED_TALLIES,
                "group": KEYED_TALLIES,
                "stars": KEYED_TALLIES,
                "first_stars": KEYED_TALLIES,
            },
        },
        "histogram": {
            "type": "array",
            "description": "Compared products by ratio (on their basis): [from, below).",
            "items": {"type": "object", "properties": {
                "from": {"type": ["number", "null"]}, "below": {"type": ["number", "null"]},
                "revenue": {"type": "integer"}, "profit": {"type": "integer"}}},
        },
        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/GrowthRow"}},
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


PLAN_DASHBOARD = {
    "type": "object",
    "properties": {
        "plan": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"},
                "area": {"type": ["string", "null"], "description": "The province's code; null for the whole country."},
                "first_year": {"type": "integer"}, "last_year": {"type": "integer"},
                "todays_areas": {"type": "boolean", "description": "Counted by today's provinces (after mergers)."},
            },
        },
        "figures_on": {"type": "string", "format": "date",
                       "description": "The day figures are taken on: the period's end, or today while it runs."},
        "indicators": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"}, "label": {"type": "string"},
                    "unit": {"type": "string", "enum": ["count", "percent"]},
                    "value": {"type": ["number", "null"], "description": "A count, or a share in per cent (two decimals)."},
                    "counted": {"type": "integer"},
                    "of": {"type": "integer", "description": "The population the share is of (products, producers, districts, sales points)."},
                    "target": {"type": ["object", "null"], "properties": {
                        "low": {"type": "number"}, "high": {"type": ["number", "null"]}}},
                    "status": {"type": ["string", "null"], "enum": ["met", "close", "behind", None]},
                    "change_since_start": {"type": ["number", "null"],
                                           "description": "Levels with a target only: the value now less the value the day before the period began."},
                },
            },
        },
    },
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
                        {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                        LANGUAGE_PARAM,
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
                        query_param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page number, from 1."),
                        query_param(
                            "per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Items per page."
                        ),
                        LANGUAGE_PARAM,
                    ],
                    "responses": {
                        "200": json_response("A page of products in stock.", "OutletStockPage"),
                        "404": json_response("No open sales point with that code.", "Error"),
                    }
                    | ERRORS,
                }
            },
            "/reports/growth": {
                "get": {
                    "summary": "The 1.5× growth report: every product certified 3★+, its year one "
                    "against its baseline (programme staff only; paginated, the summary over every row)",
                    "description": GROWTH_RULES,
                    "security": [{"staffSession": []}],
                    "parameters": GROWTH_PARAMS,
                    "responses": {
                        "200": json_response("The rows, the summary and the filters applied.", "GrowthReport"),
                        "401": json_response("Not logged in.", "Error"),
                        "403": json_response("Logged in, but not as programme staff.", "Error"),
                    }
                    | ERRORS,
                }
            },
            "/plans/{plan_id}/dashboard": {
                "get": {
                    "summary": "A plan's dashboard: each indicator's value, target, status and change since the "
                    "period began (programme staff only); the same figures as /admin/dashboard",
                    "security": [{"staffSession": []}],
                    "parameters": [{"name": "plan_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {
                        "200": json_response("The plan and its indicators.", "PlanDashboard"),
                        "401": json_response("Not logged in.", "Error"),
                        "403": json_response("Logged in, but not as programme staff.", "Error"),
                        "404": json_response("No plan with that id.", "Error"),
                    }
                    | ERRORS,
                }
            },
        },
        "components": {
            "securitySchemes": {
                "staffSession": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The session cookie of a staff or admin login (POST /login).",
                }
            },
            "schemas": {
                "Certification": CERTIFICATION,
                "ProductSummary": PRODUCT_SUMMARY,
                "ProductDetail": {
                    "allOf": [
                        {"$ref": "#/components/schemas/ProductSummary"},
                        {
                            "type": "object",
                            "properties": {
                                "description": {
                                    "type": "string",
                                    "description": "In the response's language; Vietnamese where the product has no English.",
                                },
                                "description_vi": {"type": "string"},
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
                "Photo": PHOTO,
                "FacetValue": FACET_VALUE,
                "ProductPage": PRODUCT_PAGE,
                "Outlet": OUTLET,
                "OutletList": OUTLET_LIST,
                "StockedProduct": STOCKED_PRODUCT,
                "OutletStockPage": OUTLET_STOCK_PAGE,
                "GrowthRow": GROWTH_ROW,
                "GrowthTally": GROWTH_TALLY,
                "GrowthReport": GROWTH_REPORT,
                "PlanDashboard": PLAN_DASHBOARD,
                "Error": ERROR,
            }
        },
    }
