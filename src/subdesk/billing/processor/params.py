"""Reading Stripe parameters: unknown names, required ones, integers, booleans, metadata, limits."""

from __future__ import annotations

from typing import Any

from subdesk.billing.processor.errors import invalid_request
from subdesk.text import is_ascii_digits

METADATA_KEYS = 50
METADATA_KEY_LENGTH = 40
METADATA_VALUE_LENGTH = 500


def only(params: dict[str, Any], allowed: set[str]) -> None:
    for name in params:
        if name not in allowed | {"expand"}:
            raise invalid_request(f"Received unknown parameter: {name[:100]}", param=name[:100])


def text(params: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = params.get(name)
    if value is None:
        if required:
            raise invalid_request(
                f"Missing required param: {name}.", param=name, code="parameter_missing"
            )
        return None
    if not isinstance(value, str):
        raise invalid_request(f"Invalid string: {name}", param=name)
    return value


def integer(params: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    value = text(params, name, required=required)
    if value is None:
        return None
    if not is_ascii_digits(value) or len(value) > 15:
        raise invalid_request(
            f"Invalid integer: {value[:40]}", param=name, code="parameter_invalid_integer"
        )
    return int(value)


def boolean(params: dict[str, Any], name: str) -> bool:
    value = text(params, name)
    if value in (None, "false"):
        return False
    if value == "true":
        return True
    raise invalid_request(f"Invalid boolean: {value[:40]}", param=name)


def off_session(params: dict[str, Any]) -> bool:
    """Stripe takes `true`, `false`, or the kind of off-session payment."""
    value = params.get("off_session")
    if value in ("one_off", "recurring"):
        return True
    return boolean(params, "off_session")


def metadata(params: dict[str, Any]) -> dict[str, str]:
    value = params.get("metadata", {})
    if value == "":
        return {}
    if not isinstance(value, dict) or len(value) > METADATA_KEYS:
        raise invalid_request("Invalid metadata.", param="metadata")
    for key, item in value.items():
        if not isinstance(item, str) or len(key) > METADATA_KEY_LENGTH:
            raise invalid_request(f"Invalid metadata key or value: {key[:40]}", param="metadata")
        if len(item) > METADATA_VALUE_LENGTH:
            raise invalid_request(
                "Metadata values can be at most 500 characters.", param="metadata"
            )
    return dict(value)


def limit(params: dict[str, Any]) -> int:
    value = integer(params, "limit")
    if value is None:
        return 10
    if not 1 <= value <= 100:
        raise invalid_request("Limit must be between 1 and 100.", param="limit")
    return value
