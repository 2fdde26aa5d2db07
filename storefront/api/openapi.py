"""flask-smorest derives the OpenAPI document of /api/v1 from the routes' schemas (schemas.py);
a parameter a schema refuses is the app's JSON error (storefront.errors), as every other error."""
import flask
from flask import Flask, abort, current_app
from flask_smorest import Api, Blueprint
from flask_smorest.spec.plugins import FlaskPlugin
from webargs.flaskparser import FlaskParser

from storefront.api.schemas import Error

PREFIX = "/api/v1"
DESCRIPTION = "Read-only data on OCOP certified products, for apps and marketplaces."
STAFF_SESSION = {
    "type": "apiKey",
    "in": "cookie",
    "name": "session",
    "description": "The session cookie of a staff or admin login (POST /login).",
}


def messages_in(messages) -> list[str]:
    """Every message of a validation error, however nested (a list's items are keyed by index)."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in messages_in(value)]
    if isinstance(messages, list):
        return [text for value in messages for text in messages_in(value)]
    return [str(messages)]


class QueryParser(FlaskParser):
    """A refused parameter is a 400 whose message names it (the schemas' messages do)."""
    DEFAULT_VALIDATION_STATUS = 400

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        abort(400, description=" ".join(dict.fromkeys(messages_in(error.messages))))


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = QueryParser()

    def add_undocumented_rule(self, rule: str, endpoint: str, view_func) -> None:
        """A route the document leaves out (the document itself)."""
        flask.Blueprint.add_url_rule(self, rule, endpoint, view_func)


class RelativePaths(FlaskPlugin):
    """Paths under the document's server, /api/v1, as the document has always given them."""

    def path_helper(self, rule, operations, parameters, **kwargs):
        return super().path_helper(rule, operations, parameters, **kwargs).removeprefix(PREFIX)


class OpenApi(Api):
    ERROR_SCHEMA = Error

    def _register_error_handlers(self) -> None:
        """None: storefront.errors answers errors for the whole app (JSON here, pages elsewhere)."""


def register_api(app: Flask, blueprint: ApiBlueprint) -> None:
    api = OpenApi(app, spec_kwargs={
        "title": "OCOP Market API", "version": "1", "openapi_version": "3.1.0", "flask_plugin": RelativePaths(),
        "info": {"description": DESCRIPTION}, "servers": [{"url": PREFIX}],
    })
    api.spec.components.security_scheme("staffSession", STAFF_SESSION)
    api.register_blueprint(blueprint, url_prefix=PREFIX)


def openapi_document() -> dict:
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
