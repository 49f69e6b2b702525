"""The OpenAPI 3.1 document of the JSON API, served at `GET /api/v1/openapi.json` (no token needed).

It is built from the app itself: every route of the `api` blueprint is an operation (its docstring the
summary, its `<int:...>` arguments 64-bit ids), and the models an endpoint names in `@described`
(tracker.api.schemas) are its query parameters and request body, as pydantic's JSON Schema. So the
document cannot drift from what the API checks; to describe a new endpoint, see tracker.api.schemas.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, jsonify

from tracker.api import bp
from tracker.api.schemas import MAX_ID

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "description": "what went wrong, for programs: not_found, invalid, ..."},
            "message": {"type": "string", "description": "what went wrong, for people"},
            "field": {"type": "string", "description": "the field or parameter at fault, when there is one"},
        },
    }},
}
# Endpoints anyone may call without a token (search answers public pages when the public portal is on).
OPEN = {"api.openapi"}
TOKEN_OPTIONAL = {"api.search_pages", "api.list_findings", "api.get_finding"}
_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _path(rule) -> tuple[str, list[dict]]:
    parameters = []

    def replace(match: re.Match) -> str:
        converter, name = match.group(1) or "string", match.group(2)
        schema = {"type": "integer", "minimum": 0, "maximum": MAX_ID} if converter == "int" else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return _ARGUMENT.sub(replace, rule.rule), parameters


def _model_schema(model, components: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model) -> list[dict]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": field,
             **({"description": field["description"]} if "description" in field else {})}
            for name, field in schema.get("properties", {}).items()]


def _operation(endpoint: str, method: str, view, parameters: list[dict], components: dict) -> dict:
    doc = (view.__doc__ or endpoint).strip()
    summary, _, details = doc.partition("\n")
    schemas = getattr(view, "api_schemas", {})
    operation = {
        "operationId": f"{method.lower()}_{endpoint.removeprefix('api.')}",
        "summary": summary.strip(),
        "parameters": list(parameters),
        "responses": {
            "2XX": {"description": "done", "content": {"application/json": {"schema": {}}}},
            "4XX": {"$ref": "#/components/responses/Error"},
        },
    }
    if details.strip():
        operation["description"] = " ".join(details.split())
    if schemas.get("query"):
        operation["parameters"] += _query_parameters(schemas["query"])
    if schemas.get("body"):
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _model_schema(schemas["body"], components)}}}
    if schemas.get("form"):
        operation["requestBody"] = {"required": True, "content": {
            "multipart/form-data": {"schema": _model_schema(schemas["form"], components)}}}
    if endpoint in OPEN:
        operation["security"] = []
    elif endpoint in TOKEN_OPTIONAL:
        operation["security"] = [{"bearer": []}, {}]
    return operation


def build_document(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every `api` route of `app`."""
    paths: dict[str, dict] = {}
    components: dict[str, dict] = {"Error": ERROR_SCHEMA}
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith(bp.name + ".")),
                   key=lambda r: r.rule)
    for rule in rules:
        path, parameters = _path(rule)
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, method, view, parameters,
                                                                   components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "FOIL Tracker API", "version": "1",
                 "description": "Requests under New York's Freedom of Information Law: deadlines, mail, "
                                "documents and search. Errors answer {\"error\": {\"code\", \"message\"}}."},
        "servers": [{"url": current_app.config["BASE_URL"].rstrip("/")}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": {"Error": {"description": "refused: the error says why",
                                    "content": {"application/json": {"schema": {
                                        "$ref": "#/components/schemas/Error"}}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "an API token (My account, POST /api/v1/tokens, or "
                                                          "`foiltrack users create --token`); it expires "
                                                          "after FOILTRACK_TOKEN_DAYS"}},
        },
    }


@bp.get("/openapi.json")
def openapi():
    """This document: the API's operations, parameters and request bodies."""
    return jsonify(build_document(current_app))
