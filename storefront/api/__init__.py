"""The api blueprint; its pages are in routes.py (imported by create_app)."""
from flask import Blueprint

bp = Blueprint("api", __name__)
