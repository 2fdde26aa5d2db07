"""The till blueprint (an outlet's in-store sales, under /manage); its pages are in routes.py
(imported by create_app). The sales themselves are recorded by storefront.sales.services."""
from flask import Blueprint

bp = Blueprint("till", __name__)
