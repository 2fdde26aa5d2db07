"""The shop's own word: who runs it (the footer of every page), its policies (returns,
privacy, terms, how OCOP certification works), and how its public pages describe themselves
to search engines and social networks (storefront.policies.meta)."""
from flask import Blueprint

bp = Blueprint("policies", __name__)
