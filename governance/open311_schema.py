"""Open311 GeoReport v2 in the portal's OpenAPI document (a drf-spectacular postprocessing hook).

governance.open311 is plain Django (the spec fixes its own field names, error list and format
suffixes), so drf-spectacular cannot see it; this hook writes its paths, parameters and error
responses from the same constants the views use, so the document and the code say one thing.
"""

from typing import Any

from django.conf import settings

from governance import attributes, open311

ERROR_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
    "description": "GeoReport v2's error list (XML: <errors><error><code/><description/></error></errors>).",
}
STRING = {"type": "string"}
NULLABLE_NUMBER = {"type": "number", "nullable": True}
SERVICE = {
    "type": "object",
    "properties": {
        "service_code": STRING, "service_name": STRING, "description": STRING,
        "metadata": {"type": "boolean", "description": "true: GET services/{service_code} lists its attributes."},
        "type": {"type": "string", "enum": ["realtime"]}, "keywords": STRING, "group": STRING,
    },
}  # fmt: skip
ATTRIBUTE = {
    "type": "object",
    "properties": {
        "variable": {"type": "boolean"}, "code": STRING,
        "datatype": {"type": "string", "enum": list(attributes.DATATYPES)},
        "required": {"type": "boolean"}, "datatype_description": STRING, "order": {"type": "integer"},
        "description": STRING,
        "values": {"type": "array", "items": {"type": "object", "properties": {"key": STRING, "name": STRING}}},
    },
}  # fmt: skip
DEFINITION = {
    "type": "object",
    "properties": {"service_code": STRING, "attributes": {"type": "array", "items": ATTRIBUTE}},
}
REQUEST = {
    "type": "object",
    "properties": {
        **{name: STRING for name in (
            "service_request_id", "status_notes", "service_name", "service_code", "description",
            "agency_responsible", "service_notice", "address", "address_id", "zipcode", "media_url",
        )},
        "status": {"type": "string", "enum": ["open", "closed"]},
        **{name: {"type": "string", "format": "date-time", "nullable": True}
           for name in ("requested_datetime", "updated_datetime", "expected_datetime")},
        "lat": NULLABLE_NUMBER, "long": NULLABLE_NUMBER,
    },
}  # fmt: skip
CREATED = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "service_request_id": STRING,
            "service_notice": STRING,
            "account_id": {"type": "string", "nullable": True},
        },
    },
}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema or STRING,
        "description": description,
    }


FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["json", "xml"]},
    "description": "json (application/json) or xml (text/xml); errors come in the same format.",
}


def _jurisdiction() -> dict:
    return _query(
        "jurisdiction_id",
        f"Optional; if given it must be {settings.OPEN311_JURISDICTION_ID!r} (else 404).",
    )


def _responses(ok: dict, ok_text: str, *errors: tuple[int, str]) -> dict:
    responses: dict[str, Any] = {
        "200": {
            "description": ok_text,
            "content": {"application/json": {"schema": ok}, "text/xml": {"schema": {"type": "string"}}},
        }
    }
    for status, text in errors:
        responses[str(status)] = {
            "description": text,
            "content": {
                "application/json": {"schema": ERROR_LIST},
                "text/xml": {"schema": {"type": "string"}},
            },
        }
    return responses


JURISDICTION_404 = (404, open311.JURISDICTION_UNKNOWN % ("<id>", "<ours>"))


def _operation(operation_id: str, summary: str, parameters: list[dict], responses: dict, **extra) -> dict:
    return {
        "operationId": operation_id,
        "summary": summary,
        "tags": ["Open311"],
        "security": [],
        "parameters": [FORMAT, _jurisdiction(), *parameters],
        "responses": responses,
        **extra,
    }


def open311_paths() -> dict[str, dict]:
    id_parameter = {"in": "path", "required": True, "schema": STRING}
    post_fields = {
        "api_key": {"type": "string", "description": open311.API_KEY_REQUIRED},
        "service_code": STRING,
        "jurisdiction_id": STRING,
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": {"type": "string", "maxLength": 200},
        "address_id": {
            "type": "string",
            "maxLength": open311.MAX_ADDRESS_ID,
            "description": "One of our grids by name, or a street by code or name; else kept as text for staff.",
        },
        "description": {"type": "string", "maxLength": open311.MAX_DESCRIPTION},
        "media_url": {
            "type": "string",
            "format": "uri",
            "maxLength": 500,
            "description": "Kept as a link, never fetched; " + open311.MEDIA_URL_NOT_PUBLIC,
        },
        "attribute[{code}]": {
            "type": "string",
            "description": "The answer to an attribute of the service definition "
            "(attribute[{code}][] once per value of a multivaluelist).",
        },
    }
    return {
        "/open311/v2/discovery.{format}": {
            "get": _operation(
                "open311_discovery",
                "GeoReport v2 service discovery",
                [],
                _responses({"type": "object"}, "Discovery"),
            )
        },
        "/open311/v2/services.{format}": {
            "get": _operation(
                "open311_services",
                "Every active report category as a service",
                [],
                _responses({"type": "array", "items": SERVICE}, "The services", JURISDICTION_404),
            )
        },
        "/open311/v2/services/{service_code}.{format}": {
            "get": _operation(
                "open311_service_definition",
                "A service definition: the category's attributes",
                [{"name": "service_code", **id_parameter}],
                _responses(DEFINITION, "The definition", (404, open311.SERVICE_NOT_FOUND % "<code>")),
            )
        },
        "/open311/v2/requests.{format}": {
            "get": _operation(
                "open311_requests_list",
                f"Service requests: without api_key the public ones; at most {open311.MAX_DAYS} days and "
                f"{open311.MAX_RESULTS} results",
                [
                    _query("api_key", "Optional: with a valid key, every request."),
                    _query("service_request_id", "Comma-separated ids; the other filters are then ignored."),
                    _query("service_code", "Comma-separated service codes."),
                    _query(
                        "start_date", "ISO 8601 with a time zone.", {"type": "string", "format": "date-time"}
                    ),
                    _query(
                        "end_date", "ISO 8601 with a time zone.", {"type": "string", "format": "date-time"}
                    ),
                    _query("status", "open, closed or open,closed."),
                ],
                _responses(
                    {"type": "array", "items": REQUEST},
                    "The requests (XML: <service_requests></service_requests> when there are none)",
                    (400, open311.DATE_RANGE_TOO_LONG),
                    JURISDICTION_404,
                ),
            ),
            "post": _operation(
                "open311_requests_create",
                "File a service request (a street report) with an API key; 200 as in the spec's examples",
                [],
                _responses(
                    CREATED,
                    "Filed; it reads back by id without a key at once",
                    (400, open311.LOCATION_REQUIRED),
                    (403, open311.API_KEY_REQUIRED),
                    (404, open311.SERVICE_CODE_UNKNOWN % "<code>"),
                ),
                requestBody={
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": post_fields,
                                "required": ["api_key", "service_code"],
                            }
                        }
                    },
                },
            ),
        },
        "/open311/v2/requests/{service_request_id}.{format}": {
            "get": _operation(
                "open311_request",
                "One request; a partner's own reads back without a key from filing (status and times "
                "only until it is public)",
                [{"name": "service_request_id", **id_parameter}, _query("api_key", "Optional.")],
                _responses(
                    {"type": "array", "items": REQUEST},
                    "The request, in a list of one",
                    (404, open311.REQUEST_NOT_FOUND % "<id>"),
                ),
            )
        },
    }


def add_open311(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry: adds the Open311 paths and their tag."""
    result.setdefault("paths", {}).update(open311_paths())
    tags = result.setdefault("tags", [])
    if not any(tag.get("name") == "Open311" for tag in tags):
        tags.append({"name": "Open311", "description": "Open311 GeoReport v2 (" + open311.SPEC_URL + ")"})
    return result
