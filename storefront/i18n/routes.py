"""The language switch: a cookie for a year, then back to the page it was chosen on."""
from flask import current_app, redirect, request

from storefront.i18n import LANG_COOKIE, bp, safe_next


@bp.get("/lang/<code>")
def set_language(code: str):
    response = redirect(safe_next(request.args.get("next")))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
    return response
