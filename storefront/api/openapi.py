"""flask-smorest derives the OpenAPI document of /api/v1 from the routes' schemas (schemas.py);
errors are the app's JSON errors (storefront.errors), which the document's Error describes."""
from flask import Flask, current_app
from flask_smorest import Api, Blueprint
from flask_smorest.spec.plugins import FlaskPlugin

from storefront.api.schemas import Error

PREFIX = "/api/v1"
DESCRIPTION = "Read-only data on OCOP certified products, for apps and marketplaces."
STAFF_SESSION = {
    "type": "apiKey",
    "in": "cookie",
    "name": "session",
    "description": "The session cookie of a staff or admin login (POST /login).",
}


class RelativePaths(FlaskPlugin):
    """Paths under the document's server, /api/v1, as the document has always given them."""

    def path_helper(self, rule, operations, parameters, **kwargs):
        return super().path_helper(rule, operations, parameters, **kwargs).removeprefix(PREFIX)


class OpenApi(Api):
    ERROR_SCHEMA = Error

    def _register_error_handlers(self) -> None:
        """None: storefront.errors answers errors for the whole app (JSON here, pages elsewhere)."""


def register_api(app: Flask, blueprint: Blueprint) -> None:
    api = OpenApi(app, spec_kwargs={
        "title": "OCOP Market API", "version": "1", "openapi_version": "3.1.0", "flask_plugin": RelativePaths(),
        "info": {"description": DESCRIPTION}, "servers": [{"url": PREFIX}],
    })
    api.spec.components.security_scheme("staffSession", STAFF_SESSION)
    api.register_blueprint(blueprint, url_prefix=PREFIX)


def openapi_document() -> dict:
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
