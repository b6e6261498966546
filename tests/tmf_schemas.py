"""The official TMF629 v4 and TMF632 v4 schemas (tests/tmf, vendored unmodified), closed for strict checks.

Strict means every object definition gets `additionalProperties: false`: a key the standard does not
name (a `contactName` slipped into a contact medium, say) fails, where the published documents would
let it through. `date-time` is checked as RFC 3339 with a zone (jsonschema checks that format only
with an optional package, so the check is here).
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

FOLDER = Path(__file__).parent / "tmf"
DOCUMENTS = {
    "tmf629": FOLDER / "TMF629-Customer-v4.0.0.swagger.json",
    "tmf632": FOLDER / "TMF632-Party-v4.0.0.swagger.json",
}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

formats = FormatChecker()


@formats.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _close(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _close(value)
    elif isinstance(node, list):
        for value in node:
            _close(value)


@cache
def definitions(api: str) -> dict[str, Any]:
    closed = copy.deepcopy(json.loads(DOCUMENTS[api].read_text(encoding="utf-8"))["definitions"])
    _close(closed)
    return closed


@cache
def validator(api: str, resource: str) -> Draft4Validator:
    """A strict validator of one resource (`Customer`, `Individual`, `Organization`) of one API."""
    schema = {"definitions": definitions(api), "$ref": f"#/definitions/{resource}"}
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=formats)


def problems(api: str, resource: str, document: dict[str, Any]) -> list[str]:
    """Each way the document breaks the closed schema, as `path: message` (empty when valid)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in validator(api, resource).iter_errors(document)
    ]
