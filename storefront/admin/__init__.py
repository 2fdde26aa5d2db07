from flask import Blueprint

bp = Blueprint("admin", __name__)

from storefront.admin import routes, reports, baselines, outlets, people, audit, imports  # noqa: E402,F401
