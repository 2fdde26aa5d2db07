from flask import Blueprint

bp = Blueprint("accounts", __name__)

from storefront.accounts import routes  # noqa: E402,F401
