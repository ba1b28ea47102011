"""The public JSON API (flask-smorest): endpoints in views.py, reads in queries.py, ETags in caching.py."""

from __future__ import annotations

import flask_smorest
from flask import Flask, request
from werkzeug.exceptions import HTTPException

from aula_catalog import __version__
from aula_catalog.api.schemas import ErrorSchema
from aula_catalog.api.views import build_blueprint, json_response

API_CONFIG = {
    "API_TITLE": "Aula catalog",
    "API_VERSION": __version__,
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/",
}


class CatalogApi(flask_smorest.Api):
    """flask-smorest's Api with the original's error body: `{"ok": false, "error": "<message>"}`."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        if not request.path.startswith("/api"):
            return error  # the staff admin's own pages keep Werkzeug's HTML errors
        if error.code == 500:
            # Never a traceback or a database message in the answer; the log has the details.
            return json_response({"ok": False, "error": "Internal server error"}, 500)
        data = getattr(error, "data", None) or {}
        message = _validation_message(data.get("messages")) if "messages" in data else None
        response = json_response({"ok": False, "error": message or _reason(error)}, error.code or 500)
        if error.code == 405:
            response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return response


def _reason(error: HTTPException) -> str:
    return {404: "Not found", 405: "Method not allowed"}.get(error.code or 0, error.name)


def _validation_message(messages: dict) -> str:
    """webargs' {"query": {"dep_id": ["…"]}} → "…"; several problems are joined with "; "."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(messages)
    return "; ".join(dict.fromkeys(found)) or "Bad request"


def init_api(app: Flask) -> CatalogApi:
    app.config.update(API_CONFIG)
    api = CatalogApi(
        app,
        spec_kwargs={
            "info": {
                "description": (
                    "Read-only catalog of departments, degrees, courses and their Telegram groups. "
                    "Every GET answer carries an ETag; send it back in If-None-Match for a 304."
                )
            }
        },
    )
    api.register_blueprint(build_blueprint())
    return api
