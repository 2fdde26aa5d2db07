"""Clear error pages for people and JSON errors for the API, never a bare 500; an unexpected
error is logged with its traceback under a request id that its page shows."""
import logging
import secrets

from flask import g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from storefront.i18n import this_page
from storefront.revalidation import csrf_field


def wants_json() -> bool:
    """The API, Stripe, and a page's script asking for JSON (static/js/product-actions.js)."""
    return (request.path.startswith(("/api/", "/stripe/"))
            or request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json")


def error_message(code: int) -> str:
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("We could not find that page."),
        405: _("That action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
    }
    return messages.get(code, _("Something went wrong on our side. Please try again."))


def page_outlived_its_session(error: HTTPException) -> bool:
    """A form sent with a token that is refused: one made for a session that is gone (a logout,
    a login, the cookie lost since the page was opened). A form sent with none is not the shop's."""
    return isinstance(error, CSRFError) and bool(request.form.get(csrf_field()))


def session_ended_message() -> str:
    return _("Nothing was changed: this page was opened before your session ended or changed. "
             "Reload the page and try again.")


log = logging.getLogger(__name__)


def own_description(error: HTTPException) -> str | None:
    """What the app said about this error (a parameter refused, a slug unknown), in the
    request's language; None for Werkzeug's own English description of the status, and for
    Flask-WTF's reason a form's token was refused."""
    if isinstance(error, CSRFError) or error.description == type(error).description:
        return None
    return error.description


def handle_http_error(error: HTTPException):
    code = error.code or 500
    outlived = page_outlived_its_session(error)
    message = session_ended_message() if outlived else error_message(code)
    request_id = g.get("request_id")
    if wants_json():
        detail = (code < 500 and own_description(error)) or message
        body = {"status": code, "message": detail} | ({"request_id": request_id} if request_id else {})
        return jsonify(error=body), code
    # The page the refused form came from, opened again, asks for a login if the session needs one.
    return render_template("errors/error.html", code=code, message=message, request_id=request_id,
                           reload=this_page() if outlived else None), code


def handle_unexpected(error: Exception):
    """Someone reports the id on the page; the log holds the traceback under the same id."""
    from storefront.extensions import db

    db.session.rollback()
    g.request_id = secrets.token_hex(6)
    log.error("Unexpected error %s on %s %s", g.request_id, request.method, request.full_path, exc_info=error)
    return handle_http_error(InternalServerError())


def register(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    # Tests see the exception itself, unless they turn propagation off to test this page.
    if app.config.get("PROPAGATE_EXCEPTIONS") is False or not (app.debug or app.testing):
        app.register_error_handler(Exception, handle_unexpected)
