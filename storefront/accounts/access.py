"""Role checks for routes: anonymous visitors go to the login page, the wrong role gets 403."""
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_url

LOGIN_VIEW = "accounts.login"


def send_to_log_in():
    """Flask-Login's answer to a visitor whom a route needs logged in. A page comes back after
    the login. A form sent once the login session had ended (a till sale typed past the back
    office's hours) comes back to the page it was sent from: its own address answers a POST only,
    so returning there answered "not allowed"."""
    if request.method in ("GET", "HEAD"):
        flash(_("Please log in to see this page."), "message")
        return redirect(login_url(LOGIN_VIEW, next_url=request.url))
    flash(_("Your login session had ended, so nothing was changed. Log in again, then do it once more."),
          "warning")
    sent_from = urlsplit(request.referrer or "")
    if sent_from.netloc != request.host:  # none, or another site's page: the login's own landing page
        return redirect(login_url(LOGIN_VIEW))
    return redirect(login_url(LOGIN_VIEW, next_url=sent_from.geturl()))


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
