from flask import Blueprint

bp = Blueprint("orders", __name__)

from storefront.orders import routes  # noqa: E402,F401
