"""drf-spectacular postprocessing: document the error envelope on every operation.

Every refusal answers `{"errors":[{"status":false,"code":N,"message":"…"}],"warnings":[]}`
(config.exceptions); the schema says so with a `4XX` response on each operation that does not
document its own, so clients (and the fuzz tests' schema conformance check) know the shape.
"""

from __future__ import annotations

ENVELOPE = "ErrorEnvelope"

ENVELOPE_SCHEMA = {
    "type": "object",
    "required": ["errors", "warnings"],
    "properties": {
        "errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["status", "code", "message"],
                "properties": {
                    "status": {"type": "boolean"},
                    "code": {"type": "integer"},
                    "message": {"type": "string"},
                },
            },
        },
        "warnings": {"type": "array", "items": {"type": "object"}},
    },
}


def add_error_envelope(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})[ENVELOPE] = ENVELOPE_SCHEMA
    response = {
        "description": "Refused: the error envelope with a code from the status-code registry.",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ENVELOPE}"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if not any(str(status).startswith("4") for status in responses):
                responses["4XX"] = response
    return result
