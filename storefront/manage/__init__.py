from flask import Blueprint

bp = Blueprint("manage", __name__)

from storefront.manage import routes, pos, orders  # noqa: E402,F401
