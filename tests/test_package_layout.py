"""Every package has the same few files, as DESIGN.md shows: a blueprint in its __init__.py,
its pages in routes.py, and beside them forms.py, models.py and services.py.

Read from the source with ast, without importing anything:

- Pages are found in routes.py only. A route is a decorator `@<blueprint>.get/post/put/
  patch/delete/route(...)`, anywhere in a module, or a rule added at a module's top level
  (`bp.add_url_rule(...)`, the API's `bp.add_undocumented_rule(...)`); a helper that adds a
  rule when called (ApiBlueprint.add_undocumented_rule) is not a page. The whole tree follows
  this rule: whoever looks for a URL opens one file per package.
- A blueprint is made only in a package's __init__.py (`bp = Blueprint(...)`), so a package's
  pages, wherever they are imported from, attach to the one its __init__ holds.
- The back office (storefront/admin and its areas: catalog, outlets, people, plans, reports,
  imports, payments, audit) holds no file but ALLOWED_IN_BACK_OFFICE: __init__.py, routes.py,
  forms.py and services.py. It has no tables of its own (models.py would be another domain's
  tables: each domain owns its tables, tests/test_domain_tables.py) and no mechanism of its own
  (it calls the domains' services), so an area's pages, forms and list queries are all it has;
  a new area is a new sub-package with these files, not a new module beside them.
  The domain packages are not held to that list: each also holds a mechanism with its own
  module (catalog/photos.py, search/index.py, plans/indicators.py, the `flask` commands in
  commands.py…), named for what it does; renaming those to services.py would hide them.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "storefront"
BACK_OFFICE = ROOT / "admin"
ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "route"}
RULE_CALLS = {"add_url_rule", "add_undocumented_rule"}
ALLOWED_IN_BACK_OFFICE = {"__init__.py", "routes.py", "forms.py", "services.py"}
MODULES = sorted(path for path in ROOT.rglob("*.py") if "translations" not in path.parts)


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT.parent))


def routes_in(source: str) -> list[str]:
    """The routes a module defines, as `line: rule`."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                        and decorator.func.attr in ROUTE_DECORATORS):
                    found.append(f"{decorator.lineno}: {ast.unparse(decorator.func)}")
    for statement in tree.body:  # rules added when the module is imported
        call = statement.value if isinstance(statement, ast.Expr) else None
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in RULE_CALLS):
            found.append(f"{call.lineno}: {ast.unparse(call.func)}")
    return found


def blueprints_made_in(source: str) -> list[int]:
    """The lines of a module's top level that make a blueprint."""
    lines = []
    for statement in ast.parse(source).body:
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Call):
            name = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", "")
            if name.endswith("Blueprint"):
                lines.append(statement.lineno)
    return lines


@pytest.mark.parametrize("path", [path for path in MODULES if path.name != "routes.py"], ids=relative)
def test_pages_are_defined_in_routes_modules_only(path):
    assert routes_in(path.read_text(encoding="utf-8")) == [], f"move the pages of {relative(path)} to a routes.py"


@pytest.mark.parametrize("path", [path for path in MODULES if path.name != "__init__.py"], ids=relative)
def test_blueprints_are_made_in_package_inits_only(path):
    assert blueprints_made_in(path.read_text(encoding="utf-8")) == []


def test_the_back_office_has_the_same_few_files_in_every_area():
    others = [relative(path) for path in sorted(BACK_OFFICE.rglob("*.py")) if path.name not in ALLOWED_IN_BACK_OFFICE]
    assert others == []
    areas = [path for path in BACK_OFFICE.iterdir() if path.is_dir() and path.name != "__pycache__"]
    assert areas and all((area / "routes.py").is_file() for area in areas)


def test_a_page_outside_routes_and_a_rule_helper_are_told_apart():
    source = (
        "from storefront.admin import bp\n"
        "@bp.route('/x', methods=['GET', 'POST'])\n"
        "def x(): ...\n"
        "@bp.app_template_filter('y')\n"
        "def y(value): ...\n"
        "bp.add_url_rule('/z', 'z', x)\n"
        "class B:\n"
        "    def add_undocumented_rule(self, rule, endpoint, view):\n"
        "        flask.Blueprint.add_url_rule(self, rule, endpoint, view)\n"
    )
    assert routes_in(source) == ["2: bp.route", "6: bp.add_url_rule"]
    assert blueprints_made_in("from flask import Blueprint\nbp = Blueprint('a', __name__)\n") == [2]
