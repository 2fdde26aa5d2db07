"""Role checks for routes: anonymous visitors go to the login page, the wrong role gets 403."""
from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_url

from storefront.i18n import this_page

LOGIN_VIEW = "accounts.login"


def send_to_log_in():
    """Flask-Login's answer to a visitor whom a route needs logged in: the login, then back to
    the page (this_page). A form sent once the login session had ended, a till sale typed past
    the back office's hours, goes back to the page it was sent from and says it was not saved."""
    if request.method in ("GET", "HEAD"):
        flash(_("Please log in to see this page."), "message")
    else:
        flash(_("Your login session had ended, so nothing was changed. Log in again, then do it once more."),
              "warning")
    back = this_page()
    return redirect(login_url(LOGIN_VIEW, next_url=back) if back else url_for(LOGIN_VIEW))


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
