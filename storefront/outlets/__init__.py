"""The outlets blueprint; its pages are in routes.py (imported by create_app)."""
from flask import Blueprint

bp = Blueprint("outlets", __name__)
