from flask import Blueprint

bp = Blueprint("outlets", __name__)

from storefront.outlets import routes  # noqa: E402,F401
