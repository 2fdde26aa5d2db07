"""Each domain owns its tables: the manager's workspace, orders (the cart among them),
payments, sales and the till, and the file imports read and write other domains' tables only
through those domains' services (outlets.services for stock, catalog.services for products,
orders.services for orders, sales.services for the sales ledger).

Read from the source with ast: a model imported from another domain's models module may
name a type, but not appear in a query (a select, a join, a where, a get…). The reporting
side (reports, plans, the back office's lists, search, seeding) is not covered: a report
joins the catalogue, the ledger and the plans by nature.
"""
import ast
import importlib
from pathlib import Path

import pytest

from storefront.extensions import db

ROOT = Path(__file__).resolve().parent.parent / "storefront"
COVERED = [
    *sorted((ROOT / "manage").glob("*.py")),
    *sorted((ROOT / "orders").glob("*.py")),
    *sorted((ROOT / "payments").glob("*.py")),
    *sorted((ROOT / "sales").glob("*.py")),
    *sorted((ROOT / "till").glob("*.py")),
    ROOT / "imports.py",
    ROOT / "admin" / "imports" / "routes.py",
    ROOT / "catalog" / "imports.py",
]
# Calls that build or run a query; a model named in their arguments is being queried.
QUERY_CALLS = {
    "select", "get", "join", "outerjoin", "select_from", "where", "filter", "filter_by", "order_by",
    "group_by", "having", "update", "delete", "insert", "options", "paginate", "scalars_where_in",
    "rows_where_in",
}


def domain_of(path: Path) -> str | None:
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else None


def foreign_models(tree: ast.Module, own: str | None) -> dict[str, str]:
    """Names this module imports that are another domain's table models: name → domain."""
    found = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("storefront.")
                and node.module.endswith(".models")):
            continue
        domain = node.module.split(".")[1]
        if domain == own:
            continue
        module = importlib.import_module(node.module)
        for alias in node.names:
            value = getattr(module, alias.name)
            if isinstance(value, type) and issubclass(value, db.Model):
                found[alias.asname or alias.name] = domain
    return found


def foreign_queries(source: str, path: Path) -> list[str]:
    tree = ast.parse(source)
    models = foreign_models(tree, domain_of(path))
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if name not in QUERY_CALLS:
            continue
        for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
            for sub in ast.walk(argument):
                if isinstance(sub, ast.Name) and sub.id in models:
                    problems.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} queries {sub.id} "
                                    f"({models[sub.id]}'s table) in {name}(): call {models[sub.id]}.services")
    return problems


@pytest.mark.parametrize("path", COVERED, ids=lambda path: str(path.relative_to(ROOT)))
def test_other_domains_tables_are_read_through_their_services(path):
    assert foreign_queries(path.read_text(encoding="utf-8"), path) == []


def test_a_query_on_another_domains_table_is_caught_and_a_type_hint_is_not():
    source = (
        "from storefront.outlets.models import Outlet, StockLevel\n"
        "from storefront.extensions import db\n"
        "def largest(outlet: Outlet, ids):\n"
        "    return db.session.execute(db.select(StockLevel.product_id).where(StockLevel.product_id.in_(ids)))\n"
    )
    problems = foreign_queries(source, ROOT / "orders" / "cart.py")
    assert sorted(problem.split(" in ")[-1] for problem in problems) == ["select(): call outlets.services",
                                                                          "where(): call outlets.services"]
    assert foreign_queries(source, ROOT / "outlets" / "services.py") == []
