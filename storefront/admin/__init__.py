from flask import Blueprint

bp = Blueprint("admin", __name__)

from storefront.admin import (  # noqa: E402,F401
    audit, baselines, certificates, imports, lots, outlets, payments, people, plans, producers, products, reports,
    routes, watchlist,
)
