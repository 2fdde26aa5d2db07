"""Clear error pages for people and JSON errors for the API, never a bare 500."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/stripe/")


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


def handle_http_error(error: HTTPException):
    code = error.code or 500
    message = error_message(code)
    if wants_json():
        detail = error.description if code < 500 and error.description else message
        return jsonify(error={"status": code, "message": detail}), code
    return render_template("errors/error.html", code=code, message=message), code


def handle_unexpected(error: Exception):
    from storefront.extensions import db

    db.session.rollback()
    return handle_http_error(InternalServerError())


def register(app) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
