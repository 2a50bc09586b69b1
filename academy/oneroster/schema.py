"""OneRoster 1.2 in the portal's OpenAPI document with the official types (a drf-spectacular
postprocessing hook).

The views answer with the records of the 1EdTech OpenAPI files in academy/oneroster/openapi/
(the tests validate every response against them), but drf-spectacular sees plain APIViews and
writes a bare object for each body. This hook copies the official component schemas into the
document, named OneRoster…, and points each of our OneRoster operations' responses at the
official operation's schema for the same path, method and status: the document then says what
the code is tested to send.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

OPENAPI_DIR = Path(__file__).parent / "openapi"
# Our base path -> the official file that describes what is under it.
SERVICES = {
    "/ims/oneroster/rostering/v1p2": "onerosterv1p2rostersservice_openapi3_v1p0.json",
    "/ims/oneroster/gradebook/v1p2": "onerosterv1p2gradebookservice_openapi3_v1p0.json",
}
PREFIX = "OneRoster"
ERROR = "imsx_StatusInfoDType"
OFFICIAL_REF = "#/components/schemas/"


@cache
def official(file_name: str) -> dict[str, Any]:
    return json.loads((OPENAPI_DIR / file_name).read_text())


def _renamed(node: Any) -> Any:
    """A copy of an official schema with its references to the official components renamed."""
    if isinstance(node, dict):
        return {
            key: (
                OFFICIAL_REF + PREFIX + value.removeprefix(OFFICIAL_REF)
                if key == "$ref" and isinstance(value, str) and value.startswith(OFFICIAL_REF)
                else _renamed(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_renamed(item) for item in node]
    return node


def add_oneroster_types(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for file_name in SERVICES.values():
        for name, schema in official(file_name)["components"]["schemas"].items():
            # The two files share their reference types (MetadataDType, the GUIDRefs, imsx_*):
            # the same definitions, kept once.
            schemas.setdefault(PREFIX + name, _renamed(schema))
    for path, operations in result.get("paths", {}).items():
        base = next((base for base in SERVICES if path.startswith(base + "/")), None)
        if base is None:
            continue
        official_path = official(SERVICES[base])["paths"].get(path.removeprefix(base), {})
        for method, operation in operations.items():
            # Ours alone (the CSV zips, the discovery document) have no official operation.
            official_operation = official_path.get(method)
            official_responses = (
                official_operation["responses"] if isinstance(official_operation, dict) else {}
            )
            for status, response in operation.get("responses", {}).items():
                json_body = response.get("content", {}).get("application/json")
                if json_body is None:
                    continue  # a zip, a CSV
                official_content = official_responses.get(status, {}).get("content", {})
                if "application/json" in official_content:
                    json_body["schema"] = _renamed(official_content["application/json"]["schema"])
                elif status.startswith(("4", "5")):
                    # Every error of ours is the binding's status info, whatever the status.
                    json_body["schema"] = {"$ref": OFFICIAL_REF + PREFIX + ERROR}
    return result
