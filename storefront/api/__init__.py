"""The api blueprint; its routes are in routes.py (imported by create_app), what they read and
answer in schemas.py, from which openapi.py derives /api/v1/openapi.json. A parameter a schema
refuses is the app's JSON error (storefront.errors), as every other error."""
import flask
from flask import abort
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser


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


bp = ApiBlueprint("api", __name__, description="Read-only data on OCOP certified products.")
