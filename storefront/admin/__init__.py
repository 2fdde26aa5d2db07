"""The admin blueprint (the back office, /admin). Its first page is in routes.py (imported by
create_app), which imports each area's pages: catalog, outlets, people, plans, reports,
imports, payments, audit, each a package of routes.py and, where it needs them, forms.py and
services.py, attaching its pages to this one blueprint."""
from flask import Blueprint

bp = Blueprint("admin", __name__)
