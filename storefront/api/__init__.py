"""The api blueprint; its routes are in routes.py (imported by create_app), what they read and
answer in schemas.py, from which openapi.py derives /api/v1/openapi.json."""
from storefront.api.openapi import ApiBlueprint

bp = ApiBlueprint("api", __name__, description="Read-only data on OCOP certified products.")
