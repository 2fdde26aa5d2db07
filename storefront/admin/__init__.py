from flask import Blueprint

bp = Blueprint("admin", __name__)

from storefront.admin import routes, reports, baselines, producers, products, certificates, lots  # noqa: E402,F401
