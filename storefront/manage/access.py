"""Which outlets the signed-in user may run: managers their own, staff and admins all."""
from flask import abort
from flask_login import current_user

from storefront.outlets.models import Outlet
from storefront.outlets.services import all_outlets, outlet_by_code

manager_roles = ("manager", "staff", "admin")


def managed_outlets() -> list[Outlet]:
    if current_user.role in ("staff", "admin"):
        return all_outlets()
    return sorted(current_user.outlets, key=lambda outlet: outlet.code)


def outlet_or_403(code: str) -> Outlet:
    """The outlet in the URL, if this user runs it: unknown is 404, someone else's is 403."""
    outlet = outlet_by_code(code)
    if outlet is None:
        abort(404)
    if current_user.role not in ("staff", "admin") and outlet not in current_user.outlets:
        abort(403)
    return outlet
