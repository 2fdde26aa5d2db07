"""Role checks for routes: anonymous visitors go to the login page, the wrong role gets 403."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        # Read by the test that walks every /admin route: a route without it has no role check.
        wrapped.allowed_roles = roles
        return wrapped

    return decorator


staff_required = role_required("staff", "admin")
admin_required = role_required("admin")
